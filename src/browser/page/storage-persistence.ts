/**
 * Asking the browser to keep the model cache under storage pressure.
 *
 * An origin's storage is "best-effort" by default: when the disk runs low the browser may evict it
 * whole — OPFS included, so a cached 570 MB model is gone and the next load downloads it again.
 * `navigator.storage.persist()` asks for "persistent" storage, which the browser evicts only when
 * the user says so. Chromium grants or denies it silently, by heuristics (a bookmarked, installed
 * or often used site; a fresh headless profile is denied); Firefox asks the user. Best-effort
 * either way: the cache works without it.
 *
 * `persist()` exists only in a page (not in workers), so the page asks, once a model was cached.
 */
import type { LocalRerankerInfo, StoragePersistence } from '../shared/public-types.js';
import { withInfo, type LocalReranker } from './local-reranker.js';

export type { StoragePersistence } from '../shared/public-types.js';

/** What of `navigator.storage` this needs (both methods may be missing: `persist` is page-only). */
export interface PersistenceApi {
  persisted?: () => Promise<boolean>;
  persist?: () => Promise<boolean>;
}

/**
 * Asks `storage` for persistent storage (unless `ask` is false or it is already granted) and says
 * what the browser answered. Never throws: a failing call counts as best-effort.
 */
export async function requestPersistence(storage: PersistenceApi | undefined, ask: boolean): Promise<StoragePersistence> {
  if (typeof storage?.persisted !== 'function') return { mode: 'unknown', requested: false, reason: 'this browser has no navigator.storage.persisted()' };
  if (await storage.persisted().catch(() => false)) return { mode: 'persistent', requested: false, reason: 'the browser already keeps this site’s storage until the user clears it' };
  if (!ask) return { mode: 'best-effort', requested: false, reason: 'cache: { persist: false } was asked for; the browser may evict the cached model when storage runs low' };
  if (typeof storage.persist !== 'function') return { mode: 'best-effort', requested: false, reason: 'navigator.storage.persist() exists only in a page, not here; the browser may evict the cached model when storage runs low' };
  const granted = await storage.persist().catch(() => false);
  return granted
    ? { mode: 'persistent', requested: true, reason: 'the browser granted persistent storage: the cached model stays until the user clears the site’s data' }
    : {
        mode: 'best-effort',
        requested: true,
        reason: 'the browser denied persistent storage (Chromium grants it to sites that are bookmarked, installed or used often): the cached model may be evicted when storage runs low, and then downloads again',
      };
}

/**
 * `local`, which asks for persistent storage once a model is loaded with the cache keeping its
 * files, and reports the outcome in `info().cache.persistence` from then on. `ask: false` only
 * reports.
 */
export function reportingPersistence(local: LocalReranker, ask: boolean): LocalReranker {
  let outcome: Promise<StoragePersistence> | undefined;
  const storage = (globalThis as { navigator?: { storage?: PersistenceApi } }).navigator?.storage;
  return withInfo(local, async (info: LocalRerankerInfo): Promise<LocalRerankerInfo> => {
    const cached = info.state === 'ready' && info.cache.enabled && info.cache.persistent;
    if (cached) outcome ??= requestPersistence(storage, ask);
    if (!outcome) return info;
    return { ...info, cache: { ...info.cache, persistence: await outcome } };
  });
}
