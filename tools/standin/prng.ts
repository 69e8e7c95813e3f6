/**
 * A small deterministic random number generator for the stand-in model's weights.
 *
 * Each tensor gets its own stream, seeded from (seed, tensor name), so a tensor's values do not
 * depend on the order in which tensors are generated: the fp32 and the q8 file can be written in
 * separate passes, tensor by tensor, and still hold the same weights.
 */

/** FNV-1a over the UTF-16 code units of `text`: turns a seed and a tensor name into a 32-bit stream seed. */
export function hashToUint32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** mulberry32: tiny, fast, and good enough for weights that only need to look random. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const TWO_POW_32 = 4294967296;

/**
 * Fills `target` with normal(0, std) samples from the stream named by (seed, name), using
 * Box-Muller (two samples per pair of uniforms).
 *
 * `Math.log`/`Math.cos` are deterministic within one V8 version, which is what
 * "same options give byte-identical files" needs.
 */
export function fillNormal(target: Float32Array, std: number, seed: number, name: string): void {
  const next = mulberry32(hashToUint32(`${seed}:${name}`));
  const length = target.length;
  let i = 0;
  while (i < length) {
    // (x + 1) / 2^32 is in (0, 1], so the log never sees 0.
    const u1 = (next() + 1) / TWO_POW_32;
    const u2 = next() / TWO_POW_32;
    const radius = std * Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    target[i++] = radius * Math.cos(angle);
    if (i < length) target[i++] = radius * Math.sin(angle);
  }
}
