/**
 * A cache with a hard bound on its entries that still keeps what is used often.
 *
 * Entries go into the current generation; when it is full, it becomes the old generation (the one
 * before is dropped) and a new one starts. A hit in the old generation moves the entry forward, so
 * anything used again within one generation's worth of new entries survives every turnover — the
 * common words of a text, in the word cache — while a stream of one-off keys (random strings, IDs)
 * costs at most two generations of memory. Clearing everything when full, as before, lost the
 * common words too; a true LRU would cost a linked list per entry for no measurable gain here.
 */
export class TwoGenerationCache<K, V> {
  #current = new Map<K, V>();
  #previous = new Map<K, V>();

  /** `capacity`: entries per generation; at most twice this many are held. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** The value for `key`, moving it into the current generation when it was in the old one. */
  get(key: K): V | undefined {
    const value = this.#current.get(key);
    if (value !== undefined) return value;
    const old = this.#previous.get(key);
    if (old !== undefined) {
      this.#previous.delete(key);
      this.set(key, old);
    }
    return old;
  }

  /** Stores `value` under `key` in the current generation, turning generations over when it is full. */
  set(key: K, value: V): void {
    if (this.#current.size >= this.capacity && !this.#current.has(key)) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#previous.delete(key);
    this.#current.set(key, value);
  }

  /** Entries held now, both generations (at most 2 × capacity). */
  get size(): number {
    return this.#current.size + this.#previous.size;
  }
}
