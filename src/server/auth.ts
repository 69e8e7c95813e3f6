/**
 * API keys: who may call the server, compared in constant time so response timing leaks nothing
 * about a key. Keys are held only as SHA-256 digests. Web Crypto only, so it runs on edge runtimes
 * as well as in Node.
 */
import type { Quota } from './quota.js';
import type { RateLimit } from './rate-limit.js';

/** Who a request came from, as far as the limits are concerned: the key's name, never the key itself. */
export type CallerId = string;

/** The caller id every request gets when the server has no keys (it is open). */
export const ANONYMOUS: CallerId = 'anonymous';

/** One accepted key and its own settings (each falls back to the server's when absent). */
export interface ApiKeyEntry {
  /** Safe to log, to show in metrics and to use as the key of its limits and usage. */
  name: string;
  /** The key's SHA-256 digest, 64 lowercase hex digits. */
  sha256: string;
  rateLimit?: RateLimit;
  quota?: Quota;
  /** Models this key may ask for (served ids or aliases); absent: any. */
  models?: readonly string[];
}

/** The caller a key identified, with the key's own settings. */
export interface Caller extends Omit<ApiKeyEntry, 'sha256' | 'name'> {
  id: CallerId;
}

export interface ApiKeyVerifier {
  /** True when no keys are configured: every request is let in as {@link ANONYMOUS}. */
  readonly open: boolean;
  /**
   * The caller behind an `Authorization` header value, or null when the header is missing, not a
   * Bearer token, or names no configured key.
   */
  identify(authorization: string | undefined): Promise<Caller | null>;
}

/**
 * A verifier for `keys`: plain keys (named `key-1`, `key-2`, … in order) or entries with a name,
 * a digest and settings. A presented token is hashed and compared with every digest by a loop that
 * never stops early, so neither the position of a first differing byte nor which key matched shows
 * in the time taken. `hash` is WebCrypto's SHA-256 unless the runtime offers a cheaper one (the Node
 * server passes node:crypto's: ~2.5 µs a request where WebCrypto's job on the thread pool takes ~27).
 *
 * @example
 * const verifier = createApiKeyVerifier(['sk-alpha', 'sk-beta']);
 * (await verifier.identify('Bearer sk-beta'))?.id; // 'key-2'
 */
export function createApiKeyVerifier(keys: readonly (string | ApiKeyEntry)[], hash: Sha256 = sha256): ApiKeyVerifier {
  const configured = keys.filter((key) => key !== '');
  const entries = Promise.all(
    configured.map(async (key, position): Promise<{ digest: Uint8Array; caller: Caller }> => {
      if (typeof key === 'string') return { digest: await hash(key), caller: { id: `key-${position + 1}` } };
      const { sha256: hex, name, ...settings } = key;
      return { digest: hexBytes(hex), caller: { id: name, ...settings } };
    }),
  );
  return {
    open: configured.length === 0,
    async identify(authorization) {
      if (configured.length === 0) return { id: ANONYMOUS };
      const token = bearerToken(authorization);
      if (token === undefined) return null;
      const presented = await hash(token);
      let match: Caller | null = null;
      for (const { digest, caller } of await entries) {
        // Branch-free select: `match` takes the caller of the equal digest, whichever it is.
        const equal = digestsEqual(presented, digest);
        match = equal ? caller : match;
      }
      return match;
    },
  };
}

/** The SHA-256 of `key` as 64 lowercase hex digits: how a keys file records a key. */
export async function sha256Hex(key: string): Promise<string> {
  return [...(await sha256(key))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The token of `Bearer <token>` (scheme case-insensitive, as RFC 9110 says), else undefined. */
function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S.*)$/i.exec(authorization?.trim() ?? '');
  return match?.[1]?.trim();
}

/** SHA-256 of a text's UTF-8 bytes. */
export type Sha256 = (text: string) => Uint8Array | Promise<Uint8Array>;

/** WebCrypto's SHA-256, which every runtime has. */
async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array((hex.match(/[0-9a-f]{2}/gi) ?? []).map((pair) => Number.parseInt(pair, 16)));
}

/** Equal-length digests compared with XOR over every byte: time does not depend on where they differ. */
function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let index = 0; index < a.length; index++) difference |= (a[index] as number) ^ (b[index] ?? 0);
  return difference === 0;
}
