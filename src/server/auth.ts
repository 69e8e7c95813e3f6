/**
 * API keys: who may call the server, compared in constant time so response timing leaks nothing
 * about a key. Web Crypto only, so it runs on edge runtimes as well as in Node.
 */

/** Who a request came from, as far as the limits are concerned. Never the key itself. */
export type CallerId = string;

/** The caller id every request gets when the server has no keys (it is open). */
export const ANONYMOUS: CallerId = 'anonymous';

export interface ApiKeyVerifier {
  /** True when no keys are configured: every request is let in as {@link ANONYMOUS}. */
  readonly open: boolean;
  /**
   * The caller behind an `Authorization` header value, or null when the header is missing, not a
   * Bearer token, or names no configured key. Ids are `key-1`, `key-2`, … in configuration order,
   * safe to log and to use as map keys.
   */
  identify(authorization: string | undefined): Promise<CallerId | null>;
}

/**
 * A verifier for `keys`. Each key is stored only as its SHA-256 digest; a presented token is
 * hashed and compared with every digest by a loop that never stops early, so neither the position
 * of a first differing byte nor which key matched shows in the time taken.
 *
 * @example
 * const verifier = createApiKeyVerifier(['sk-alpha', 'sk-beta']);
 * await verifier.identify('Bearer sk-beta'); // 'key-2'
 */
export function createApiKeyVerifier(keys: readonly string[]): ApiKeyVerifier {
  const configured = keys.filter((key) => key !== '');
  const digests = Promise.all(configured.map(sha256));
  return {
    open: configured.length === 0,
    async identify(authorization) {
      if (configured.length === 0) return ANONYMOUS;
      const token = bearerToken(authorization);
      if (token === undefined) return null;
      const presented = await sha256(token);
      let match = -1;
      for (const [position, digest] of (await digests).entries()) {
        // Branch-free select: `match` takes the position of the equal digest, whichever it is.
        const equal = digestsEqual(presented, digest);
        match = equal ? position : match;
      }
      return match === -1 ? null : `key-${match + 1}`;
    },
  };
}

/** The token of `Bearer <token>` (scheme case-insensitive, as RFC 9110 says), else undefined. */
function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S.*)$/i.exec(authorization?.trim() ?? '');
  return match?.[1]?.trim();
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/** Equal-length digests compared with XOR over every byte: time does not depend on where they differ. */
function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let index = 0; index < a.length; index++) difference |= (a[index] as number) ^ (b[index] ?? 0);
  return difference === 0;
}
