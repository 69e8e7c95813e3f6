/**
 * The hashes that make the model store trustworthy, computed as the bytes pass by — never over a
 * second copy of a model.
 *
 * - SHA-256 of the whole file (what `listCachedModels()` reports, comparable with the hub's), taken
 *   as the download arrives. WebCrypto has no incremental digest, and `digest()` over the whole
 *   file copies it first (a transient second model in memory) and adds seconds after the
 *   download, so this is hash-wasm's incremental SHA-256, overlapping the download.
 * - XXH3-128 of the whole file, taken at the same time: what every read from the store checks.
 *   A read must be fast (it is part of every load from the cache), and XXH3-128 is an order of
 *   magnitude faster than SHA-256 in either implementation. It is not a cryptographic hash, and needs not be: the check is against damage (a truncated write, a
 *   changed byte), not an attacker — whoever can write this origin's files can run its code.
 */
import { createSHA256, createXXHash128, type IHasher } from 'hash-wasm';

/** SHA-256 of `bytes` as lowercase hex (WebCrypto; it copies `bytes`, so for small inputs). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  let text = '';
  for (const byte of new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))) text += byte.toString(16).padStart(2, '0');
  return text;
}

/** A hash fed in pieces of any size. */
export interface IncrementalHash {
  update(bytes: Uint8Array): void;
  /** Lowercase hex; the hasher is done after this. */
  hex(): string;
}

/** Starts an incremental hash of the kind named. */
export async function incrementalHash(kind: 'sha256' | 'xxh128'): Promise<IncrementalHash> {
  const hasher: IHasher = kind === 'sha256' ? await createSHA256() : await createXXHash128();
  hasher.init();
  return {
    update: (bytes) => void hasher.update(bytes),
    hex: () => hasher.digest('hex'),
  };
}
