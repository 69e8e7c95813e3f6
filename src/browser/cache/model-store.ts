/**
 * Model files kept in the Origin Private File System (OPFS), so a second load — after a reload or
 * a browser restart — needs no network, at any size.
 *
 * Why not the Cache API: `cache.put` of the 569 MB q8 model fails in Chromium ("Unexpected internal
 * error") because the whole body has to be one blob. Here a download is written as it arrives, in
 * pieces of a few MB, and read back with one copy in memory (a `File` from OPFS is disk-backed).
 *
 * Integrity: each file's size, SHA-256 and XXH3-128 are recorded after its download completed
 * (file-digest.ts says why two hashes), in a small JSON beside it (written last, so a file without
 * one is an unfinished download). A read checks the size and the XXH3-128 as it reads; a truncated
 * or corrupted file is deleted and reported as missing, so it is fetched again — never loaded.
 *
 * Layout: `<cache name>/<key>.bin` + `<key>.json`, the key a hash of the file's URL.
 */
import { formatBytes } from '../../core/progress.js';
import { PieceWriter, type StoreWriter } from './store-writer.js';
import type { CacheState } from '../shared/public-types.js';
import { sha256Hex } from './file-digest.js';
import { matchesRecord, openStoredBytes, readVerified, type StoredFileBytes } from './stored-file.js';

export type { StoreWriter } from './store-writer.js';
export type { CacheState } from '../shared/public-types.js';

/** A file in the model store, as `listCachedModels()` reports it. */
export interface CachedModelFile {
  /** The model id it was downloaded for. */
  model: string;
  /** The file within the model, e.g. `onnx/model_quantized.onnx`. */
  file: string;
  url: string;
  bytes: number;
  sha256: string;
  /** When the download completed (ISO 8601). */
  storedAt: string;
}

/** What the store records of a file: what `listCachedModels()` shows, plus the hash reads check. */
interface StoredRecord extends CachedModelFile {
  xxh128: string;
}

/** The OPFS folder webrerank keeps model files in by default. */
export const DEFAULT_CACHE_NAME = 'webrerank-models';

/** The model store in one OPFS folder. */
export class ModelStore {
  #persistent = true;
  #reason: string | undefined;

  private constructor(
    private readonly folder: FileSystemDirectoryHandle,
    readonly name: string,
  ) {}

  /** Opens (creating) the store `name`; rejects where OPFS is missing or refused. */
  static async open(name: string = DEFAULT_CACHE_NAME): Promise<ModelStore> {
    return new ModelStore(await openFolder(name, true), name);
  }

  state(): CacheState {
    const state: { -readonly [K in keyof CacheState]: CacheState[K] } = { enabled: true, persistent: this.#persistent, name: this.name, storage: 'opfs' };
    if (this.#reason !== undefined) state.reason = this.#reason;
    return state;
  }

  /** The recorded size of `url`'s file, or undefined when it isn't stored (completely). */
  async size(url: string): Promise<number | undefined> {
    return (await this.#record(await fileKey(url)))?.bytes;
  }

  /**
   * The stored bytes of `url`, checked against the recorded size and hash; undefined
   * when the file isn't stored or fails the check (then it is deleted, so the caller downloads it
   * again). `onBytes` is told the bytes read so far. With `onDemand`, where the file can be opened
   * synchronously, the bytes are read on demand (see stored-file.ts; `close()` them when done)
   * instead of into memory; where it can't, `'prefer'` reads it into memory and `'only'` returns
   * undefined (the file stays stored).
   */
  async read(url: string, onBytes?: (loaded: number) => void, options: { onDemand?: 'prefer' | 'only' } = {}): Promise<Uint8Array | StoredFileBytes | undefined> {
    const key = await fileKey(url);
    const record = await this.#record(key);
    if (!record) return undefined;
    let handle: FileSystemFileHandle;
    let file: File;
    try {
      handle = await this.folder.getFileHandle(`${key}.bin`);
      file = await handle.getFile();
    } catch {
      await this.#remove(key);
      return undefined;
    }
    if (file.size !== record.bytes) {
      this.#discard(key, record, `its size is ${formatBytes(file.size)}, the download was ${formatBytes(record.bytes)}`);
      return undefined;
    }
    const onDemand = options.onDemand ? await openStoredBytes(handle) : undefined;
    if (!onDemand && options.onDemand === 'only') return undefined;
    if (onDemand) {
      const ok = await matchesRecord(onDemand, record, onBytes).catch(() => false);
      if (ok) return onDemand;
      onDemand.close();
    } else {
      const bytes = await readVerified(file.stream(), record, onBytes);
      if (bytes) return bytes;
    }
    this.#discard(key, record, 'its hash differs from the download');
    return undefined;
  }

  /**
   * A writer for `url`'s file, or undefined when nothing can be kept: persistence already off, or
   * storage without room for `size` bytes (then `state().reason` says so).
   */
  async writer(url: string, meta: { model: string; file: string; size: number | undefined }): Promise<StoreWriter | undefined> {
    if (!this.#persistent) return undefined;
    if (meta.size !== undefined && !(await this.#hasRoomFor(meta.size, meta.file))) return undefined;
    const key = await fileKey(url);
    let writable: FileSystemWritableFileStream;
    try {
      await this.#remove(key);
      writable = await (await this.folder.getFileHandle(`${key}.bin`, { create: true })).createWritable();
    } catch (error) {
      this.#stopPersisting(error, meta.file);
      return undefined;
    }
    return new PieceWriter(writable, {
      finish: async (bytes, hashes) => {
        const record: StoredRecord = { model: meta.model, file: meta.file, url, bytes, ...hashes, storedAt: new Date().toISOString() };
        await writeText(this.folder, `${key}.json`, JSON.stringify(record));
      },
      fail: async (error) => {
        this.#stopPersisting(error, meta.file);
        await this.#remove(key);
      },
    });
  }

  /** Every completely stored file. */
  async list(): Promise<CachedModelFile[]> {
    const files: CachedModelFile[] = [];
    for await (const name of folderNames(this.folder)) {
      if (!name.endsWith('.json')) continue;
      const record = await this.#record(name.slice(0, -'.json'.length));
      if (record) files.push({ model: record.model, file: record.file, url: record.url, bytes: record.bytes, sha256: record.sha256, storedAt: record.storedAt });
    }
    return files.sort((a, b) => a.model.localeCompare(b.model) || a.file.localeCompare(b.file));
  }

  /** Deletes the files of `model` (every model when unset); returns how many were deleted. */
  async delete(model?: string): Promise<number> {
    let deleted = 0;
    for (const record of await this.list()) {
      if (model !== undefined && record.model !== model) continue;
      await this.#remove(await fileKey(record.url));
      deleted += 1;
    }
    return deleted;
  }

  async #record(key: string): Promise<StoredRecord | undefined> {
    try {
      const text = await (await (await this.folder.getFileHandle(`${key}.json`)).getFile()).text();
      const record = JSON.parse(text) as Partial<StoredRecord>;
      // A record without the read hash (an older layout) can't be checked on read: not stored.
      const valid = typeof record.url === 'string' && typeof record.bytes === 'number' && typeof record.sha256 === 'string' && typeof record.xxh128 === 'string' && typeof record.file === 'string' && typeof record.model === 'string' && typeof record.storedAt === 'string';
      return valid ? (record as StoredRecord) : undefined;
    } catch {
      return undefined;
    }
  }

  #discard(key: string, record: CachedModelFile, why: string): void {
    console.warn(`webrerank: the cached ${record.file} of "${record.model}" is damaged (${why}); it will be downloaded again.`);
    void this.#remove(key);
  }

  async #remove(key: string): Promise<void> {
    // The record goes first: without it the data file no longer counts as stored.
    for (const name of [`${key}.json`, `${key}.bin`]) await this.folder.removeEntry(name).catch(() => undefined);
  }

  async #hasRoomFor(bytes: number, file: string): Promise<boolean> {
    const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
    if (!estimate?.quota) return true;
    const free = estimate.quota - (estimate.usage ?? 0);
    if (free >= bytes) return true;
    this.#persistent = false;
    this.#reason = `storage is full: this site may keep ${formatBytes(Math.max(0, free))} more, ${file} needs ${formatBytes(bytes)}; model files are kept in memory only and will download again next time`;
    console.warn(`webrerank: ${this.#reason}`);
    return false;
  }

  #stopPersisting(error: unknown, file: string): void {
    // A full disk stays full for this session: don't try again with every (large) file.
    this.#persistent = false;
    this.#reason = isQuotaExceeded(error)
      ? `storage is full (QuotaExceededError while writing ${file}): model files are kept in memory only and will download again next time`
      : `writing ${file} to the model cache failed (${error instanceof Error ? error.message : String(error)}): model files are kept in memory only`;
    console.warn(`webrerank: ${this.#reason}`);
  }
}

/**
 * The files stored in the model cache `name` (default `webrerank-models`), for a settings page.
 *
 * @example
 * const files = await listCachedModels();
 * const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
 */
export async function listCachedModels(options: { name?: string } = {}): Promise<CachedModelFile[]> {
  const store = await openExisting(options.name);
  return store ? store.list() : [];
}

/**
 * Deletes the cached files of `model` (all models when unset) from the model cache; returns how
 * many files were deleted. A reranker that already loaded the model keeps running.
 *
 * @example
 * await deleteCachedModels({ model: 'BAAI/bge-reranker-v2-m3' });
 */
export async function deleteCachedModels(options: { model?: string; name?: string } = {}): Promise<number> {
  const store = await openExisting(options.name);
  return store ? store.delete(options.model) : 0;
}

async function openExisting(name: string = DEFAULT_CACHE_NAME): Promise<ModelStore | undefined> {
  try {
    await openFolder(name, false);
  } catch {
    return undefined;
  }
  return ModelStore.open(name);
}

async function openFolder(name: string, create: boolean): Promise<FileSystemDirectoryHandle> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  if (typeof storage?.getDirectory !== 'function') throw new Error('the Origin Private File System is not available here');
  return (await storage.getDirectory()).getDirectoryHandle(name, { create });
}

async function* folderNames(folder: FileSystemDirectoryHandle): AsyncGenerator<string> {
  // `keys()` is in every browser with OPFS, but not yet in TypeScript's DOM types.
  const keys = (folder as unknown as { keys(): AsyncIterable<string> }).keys();
  for await (const name of keys) yield name;
}

async function writeText(folder: FileSystemDirectoryHandle, name: string, text: string): Promise<void> {
  const writable = await (await folder.getFileHandle(name, { create: true })).createWritable();
  await writable.write(text);
  await writable.close();
}

/** The store's name for `url`'s file: hex of its SHA-256, so any URL makes a valid file name. */
async function fileKey(url: string): Promise<string> {
  return (await sha256Hex(new TextEncoder().encode(url))).slice(0, 40);
}

/** True for a storage-full error, whichever way the browser names it. */
export function isQuotaExceeded(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  // 22 is the legacy DOMException code; Firefox once used NS_ERROR_DOM_QUOTA_REACHED.
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22;
}
