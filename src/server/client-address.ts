/**
 * The client's address, for limiting failed keys per address. Behind a reverse proxy every
 * request comes from the proxy: one key guesser would get the proxy blocked, and with it every
 * client behind it. A proxy the operator names as trusted says who its client was in
 * `X-Forwarded-For`; the address taken is the last one there that is not itself a trusted proxy —
 * the entries left of it were written by the client and can be anything.
 */

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) as `10.0.0.1`, so both spellings match. */
function plainAddress(address: string): string {
  const trimmed = address.trim();
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(trimmed) ? trimmed.slice(7) : trimmed;
}

/**
 * The client behind `peer` (the socket's remote address): `peer` itself, unless it is one of
 * `trustedProxies` — then the right-most `X-Forwarded-For` entry that is not a trusted proxy.
 */
export function clientAddressOf(peer: string | undefined, forwardedFor: string | null, trustedProxies: ReadonlySet<string>): string | undefined {
  if (peer === undefined) return undefined;
  const direct = plainAddress(peer);
  if (!trustedProxies.has(direct) || forwardedFor === null) return direct;
  const hops = forwardedFor.split(',').map(plainAddress).filter((hop) => hop !== '');
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = hops[index] as string;
    if (!trustedProxies.has(hop)) return hop;
  }
  return hops[0] ?? direct;
}

/** Trusted proxy addresses as given (flags, options), in the form {@link clientAddressOf} compares. */
export function trustedProxySet(addresses: readonly string[] = []): ReadonlySet<string> {
  return new Set(addresses.map(plainAddress).filter((address) => address !== ''));
}
