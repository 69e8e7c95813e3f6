import { describe, expect, it } from 'vitest';
import { requestPersistence, type PersistenceApi } from '../../src/browser/page/storage-persistence.js';

/** A StorageManager whose answers are given, counting the calls to persist(). */
function storage(persisted: boolean, grants: boolean | 'throws' | 'missing') {
  const calls = { persist: 0 };
  const api: PersistenceApi = { persisted: async () => persisted };
  if (grants !== 'missing') {
    api.persist = async () => {
      calls.persist += 1;
      if (grants === 'throws') throw new Error('not allowed');
      return grants;
    };
  }
  return { api, calls };
}

describe('asking the browser to keep the model cache (navigator.storage.persist)', () => {
  it('reports persistent storage when the browser grants it', async () => {
    const { api, calls } = storage(false, true);
    expect(await requestPersistence(api, true)).toMatchObject({ mode: 'persistent', requested: true });
    expect(calls.persist).toBe(1);
  });

  it('reports best-effort storage that may be evicted, and why, when the browser denies it or the call fails', async () => {
    for (const answer of [false, 'throws'] as const) {
      const outcome = await requestPersistence(storage(false, answer).api, true);
      expect(outcome).toMatchObject({ mode: 'best-effort', requested: true, reason: expect.stringMatching(/denied.*evicted when storage runs low/) });
    }
  });

  it('does not ask again when the storage is already persistent, nor when asked not to', async () => {
    const already = storage(true, true);
    expect(await requestPersistence(already.api, true)).toMatchObject({ mode: 'persistent', requested: false });
    const declined = storage(false, true);
    expect(await requestPersistence(declined.api, false)).toMatchObject({ mode: 'best-effort', requested: false, reason: expect.stringContaining('persist: false') });
    expect(already.calls.persist + declined.calls.persist).toBe(0);
  });

  it('says where persist() does not exist (a worker) or the browser has no StorageManager', async () => {
    expect(await requestPersistence(storage(false, 'missing').api, true)).toMatchObject({ mode: 'best-effort', requested: false, reason: expect.stringContaining('only in a page') });
    expect(await requestPersistence(undefined, true)).toMatchObject({ mode: 'unknown', requested: false });
  });
});
