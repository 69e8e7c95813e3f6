/**
 * Persisting downloaded model files in the browser's Cache API, so a second load works offline —
 * and a full disk costs only the persistence, never the load.
 *
 * transformers.js reads and writes its cache through an object with `match` and `put`. This one
 * wraps a real `Cache`: a failed `match` is a miss, and a failed `put` (QuotaExceededError when
 * storage is full, or anything else) turns persistence off for the session — the files the load
 * already holds in memory are used as they are.
 */
import { messageOf } from '../core/errors.js';

/** The part of the Cache API that transformers.js uses. */
export interface CacheLike {
  match(request: string | Request): Promise<Response | undefined>;
  put(request: string | Request, response: Response): Promise<void>;
}

/** Whether model files persist, and if not, why. */
export interface CacheState {
  /** A cache is in use for reads (files downloaded earlier load from it). */
  readonly enabled: boolean;
  /** New files are written to it; false after a failed write, or when there is no cache. */
  readonly persistent: boolean;
  /** The Cache API cache's name. */
  readonly name?: string;
  readonly reason?: string;
}

/** The Cache API cache webrerank keeps model files in by default. */
export const DEFAULT_CACHE_NAME = 'webrerank-models';

/** A `match`/`put` cache that never fails a load. */
export class ModelFileCache implements CacheLike {
  readonly #open: () => Promise<CacheLike>;
  readonly #name: string | undefined;
  #cache: Promise<CacheLike | undefined> | undefined;
  #usable = true;
  #persistent = true;
  #reason: string | undefined;

  /** `open` is called once, on first use; it may reject (then nothing is cached). */
  constructor(open: () => Promise<CacheLike>, name?: string) {
    this.#open = open;
    this.#name = name;
  }

  async match(request: string | Request): Promise<Response | undefined> {
    const cache = await this.#get();
    try {
      return (await cache?.match(request)) ?? undefined;
    } catch {
      return undefined;
    }
  }

  async put(request: string | Request, response: Response): Promise<void> {
    if (!this.#persistent) return;
    const cache = await this.#get();
    if (!cache) return;
    try {
      await cache.put(request, response);
    } catch (error) {
      // A full disk stays full for this session: don't retry with every (large) file.
      this.#persistent = false;
      this.#reason = isQuotaExceeded(error)
        ? 'storage is full (QuotaExceededError): model files are kept in memory only and will download again next time'
        : `writing to the cache failed (${messageOf(error)}): model files are kept in memory only`;
      console.warn(`webrerank: ${this.#reason}`);
    }
  }

  state(): CacheState {
    const state: { -readonly [K in keyof CacheState]: CacheState[K] } = { enabled: this.#usable, persistent: this.#persistent };
    if (this.#name !== undefined) state.name = this.#name;
    if (this.#reason !== undefined) state.reason = this.#reason;
    return state;
  }

  #get(): Promise<CacheLike | undefined> {
    this.#cache ??= this.#open().catch((error: unknown) => {
      this.#usable = false;
      this.#persistent = false;
      this.#reason = `the Cache API is unavailable (${messageOf(error)}): model files download every time`;
      return undefined;
    });
    return this.#cache;
  }
}

/**
 * A ModelFileCache over the Cache API cache `name`, or null where the Cache API doesn't exist
 * (insecure origins, some embedded browsers).
 */
export function openModelCache(name: string = DEFAULT_CACHE_NAME): ModelFileCache | null {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  if (!storage) return null;
  return new ModelFileCache(() => storage.open(name), name);
}

/** True for a storage-full error, whichever way the browser names it. */
export function isQuotaExceeded(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  // 22 is the legacy DOMException code; Firefox once used NS_ERROR_DOM_QUOTA_REACHED.
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22;
}
