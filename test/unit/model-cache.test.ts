import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelFileCache, isQuotaExceeded, type CacheLike } from '../../src/browser/model-cache.js';

/** An in-memory Cache API stand-in whose `put` can be made to fail. */
function memoryCache(failPut?: () => Error): CacheLike & { entries: Map<string, string>; puts: number } {
  const entries = new Map<string, string>();
  const cache = {
    entries,
    puts: 0,
    async match(request: string | Request) {
      const body = entries.get(String(request));
      return body === undefined ? undefined : new Response(body);
    },
    async put(request: string | Request, response: Response) {
      cache.puts += 1;
      if (failPut) throw failPut();
      entries.set(String(request), await response.text());
    },
  };
  return cache;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ModelFileCache', () => {
  it('stores and returns files', async () => {
    const inner = memoryCache();
    const cache = new ModelFileCache(async () => inner, 'test');
    await cache.put('https://host/model/config.json', new Response('{"a":1}'));
    expect(await (await cache.match('https://host/model/config.json'))?.text()).toBe('{"a":1}');
    expect(await cache.match('https://host/model/other.json')).toBeUndefined();
    expect(cache.state()).toEqual({ enabled: true, persistent: true, name: 'test' });
  });

  it('turns persistence off on QuotaExceededError instead of failing the load, and stops writing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const inner = memoryCache(() => new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
    const cache = new ModelFileCache(async () => inner, 'full');
    await expect(cache.put('https://host/model/onnx/model.onnx', new Response('weights'))).resolves.toBeUndefined();
    await cache.put('https://host/model/config.json', new Response('{}'));
    expect(inner.puts).toBe(1);
    expect(cache.state()).toMatchObject({ enabled: true, persistent: false, reason: expect.stringMatching(/QuotaExceededError/) });
    expect(warn).toHaveBeenCalledOnce();
  });

  it('treats a failing match as a miss and a cache that will not open as no cache', async () => {
    const broken: CacheLike = {
      match: () => Promise.reject(new Error('corrupt')),
      put: () => Promise.resolve(),
    };
    expect(await new ModelFileCache(async () => broken).match('x')).toBeUndefined();
    const unopenable = new ModelFileCache(() => Promise.reject(new DOMException('denied', 'SecurityError')));
    expect(await unopenable.match('x')).toBeUndefined();
    await unopenable.put('x', new Response('y'));
    expect(unopenable.state()).toMatchObject({ enabled: false, persistent: false, reason: expect.stringMatching(/Cache API is unavailable/) });
  });

  it('recognizes quota errors by name or legacy code', () => {
    expect(isQuotaExceeded(new DOMException('full', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaExceeded({ name: 'NS_ERROR_DOM_QUOTA_REACHED' })).toBe(true);
    expect(isQuotaExceeded(new Error('other'))).toBe(false);
    expect(isQuotaExceeded(null)).toBe(false);
  });
});
