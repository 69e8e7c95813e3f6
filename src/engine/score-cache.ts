/**
 * Scores of (query, document) pairs already computed, so a repeated pair — "regenerate", the next
 * page, the same chunks under a refined query — costs a map lookup instead of a model run.
 *
 * A least-recently-used map under a byte cap: the key holds the full texts (a hash could collide
 * and hand back another pair's score), and the cap counts them, so a few huge documents can't hold
 * more memory than asked. A stored score is the very number the model produced, so a cached answer
 * is identical to a fresh one — provided the score does not depend on the pair's batch-mates; the
 * engine only uses the cache where it doesn't (see `scoresAreBatchInvariant`).
 */

/** Default cap: enough for thousands of short chunks, small beside a model's memory. */
export const DEFAULT_SCORE_CACHE_BYTES = 4 * 1024 * 1024;

// A JS string costs about two bytes a character; the entry, its two numbers and the map slot ~80 more.
const ENTRY_OVERHEAD_BYTES = 80;

/**
 * What is kept per pair: its score, and the tokens and windows its pairs held, so a cached
 * answer's `usage` — and what a server bills for it — is what a fresh one's would be.
 */
export interface CachedScore {
  score: number;
  tokens: number;
  /** Scoring windows the document took (more than one when `max_chunks_per_doc` cut it). */
  windows: number;
}

export class ScoreCache {
  readonly #entries = new Map<string, CachedScore>();
  #bytes = 0;

  /** `maxBytes`: the most the keys and scores may hold; 0 turns the cache off. */
  constructor(readonly maxBytes: number = DEFAULT_SCORE_CACHE_BYTES) {
    if (!Number.isFinite(maxBytes) || maxBytes < 0) throw new RangeError(`scoreCacheBytes must be 0 or more, got ${maxBytes}`);
  }

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** Bytes held now (an estimate from the key lengths). */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The score stored for `key`, marking it as recently used. */
  get(key: string): CachedScore | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  /** Stores `score`, dropping the least recently used entries to stay under the cap. */
  set(key: string, entry: CachedScore): void {
    const cost = entryBytes(key);
    if (cost > this.maxBytes) return;
    this.delete(key);
    this.#entries.set(key, entry);
    this.#bytes += cost;
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    if (this.#entries.delete(key)) this.#bytes -= entryBytes(key);
  }

  /** Forgets everything: a new model (or a fallback to another backend) scores differently. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}

function entryBytes(key: string): number {
  return key.length * 2 + ENTRY_OVERHEAD_BYTES;
}

/**
 * The part of a cache key shared by every pair of one request: what, besides the two texts,
 * decides a score — the model's files, dtype and backend, and how pairs are cut.
 */
export function scoreContext(parts: {
  model: string;
  dtype: string;
  backend: string;
  maxLength: number;
  maxQueryTokens: number;
  maxChunks: number;
  maxTokensPerDocument: number | undefined;
}): string {
  return JSON.stringify([parts.model, parts.dtype, parts.backend, parts.maxLength, parts.maxQueryTokens, parts.maxChunks, parts.maxTokensPerDocument ?? null]);
}

/** The key of one pair: context, query and document, separated so no two triples share a key. */
export function pairKey(context: string, query: string, document: string): string {
  return `${context}\u0000${query.length}\u0000${query}\u0000${document}`;
}
