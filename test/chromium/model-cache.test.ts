/**
 * Model files in real Chromium: one progress bar whose total is right from the first event, the
 * model cache in OPFS (offline second load, damaged files fetched again, list and delete, a full
 * disk), and a missing file answered with a dev server's HTML page.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserRerankerOptions, CachedModelFile, LoadProgress } from '../../src/index.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { launchChromium, openHarness } from './support/chromium.js';
import { startDevServer, type ServedFolder, type TestServer } from '../kit/servers.js';

const modelDir = inject('tinyModelDir');
const MODEL = HOSTED_EXAMPLE.model;
const tiny: ServedFolder = { prefix: '/test-models/tiny', dir: modelDir, requests: [] };
const MODELS = [{ id: MODEL, source: { path: '/test-models/tiny' } }];
const FILES = ['config.json', 'tokenizer_config.json', 'tokenizer.json', 'onnx/model_quantized.onnx'];
const MODEL_FILE = '/onnx/model_quantized.onnx';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startDevServer([tiny]), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Loads, reranks the hosted example, disposes; with the progress events and info. */
async function loadAndRank(target: Page, options: BrowserRerankerOptions) {
  return target.evaluate(async (options) => {
    const events: LoadProgress[] = [];
    const reranker = await window.webrerank.createReranker({ ...(options as BrowserRerankerOptions), onProgress: (event) => events.push(event) });
    const response = await reranker.rerank({
      model: 'BAAI/bge-reranker-v2-m3',
      query: 'What is machine learning?',
      documents: ['Machine learning is a subset of artificial intelligence.', 'The weather today is sunny.', 'Deep learning uses neural networks.'],
    });
    const info = await reranker.info();
    await reranker.dispose();
    return { events, response, info };
  }, options);
}

/** Runs `body` in a fresh browser context (its own OPFS), closed afterwards. */
async function inFreshContext<T>(body: (context: BrowserContext) => Promise<T>): Promise<T> {
  const context = await browser.newContext();
  try {
    return await body(context);
  } finally {
    await context.close();
  }
}

function requestsOf(path: string): number {
  return tiny.requests.filter((request) => request === path).length;
}

/** Damages the stored file of `size` bytes in the cache `name`: cut in half, or one byte changed. */
async function damageStoredFile(target: Page, name: string, size: number, how: 'truncate' | 'flip'): Promise<void> {
  await target.evaluate(
    async ({ name, size, how }) => {
      const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle(name);
      let found: FileSystemFileHandle | undefined;
      for await (const [entryName, handle] of folder as unknown as AsyncIterable<[string, FileSystemHandle]>) {
        if (entryName.endsWith('.bin') && handle.kind === 'file' && (await (handle as FileSystemFileHandle).getFile()).size === size) found = handle as FileSystemFileHandle;
      }
      if (!found) throw new Error(`no stored file of ${size} bytes`);
      const middle = Math.floor(size / 2);
      const original = new Uint8Array(await (await found.getFile()).slice(middle, middle + 1).arrayBuffer())[0] as number;
      const writable = await found.createWritable({ keepExistingData: true });
      if (how === 'truncate') await writable.truncate(middle);
      else await writable.write({ type: 'write', position: middle, data: new Uint8Array([original ^ 0xff]) });
      await writable.close();
    },
    { name, size, how },
  );
}

describe('model files in Chromium', () => {
  it('shows one bar whose total is every file from the first event, labelled in files and bytes, then building, then ready', async () => {
    const { events } = await inFreshContext(async (context) => loadAndRank((await openHarness(context, server.url)).page, { models: MODELS }));
    const totalOnDisk = FILES.reduce((sum, file) => sum + statSync(join(modelDir, file)).size, 0);
    const progress = events.filter((event): event is Extract<LoadProgress, { status: 'progress' }> => event.status === 'progress');
    // At least one event per file: a small file may arrive in a single chunk.
    expect(progress.length).toBeGreaterThanOrEqual(4);
    for (const [i, event] of progress.entries()) {
      expect(event.total).toBe(totalOnDisk);
      expect(event.fileCount).toBe(4);
      expect(event.label).toMatch(/^[0-4] of 4 files, [\d.]+ k?B of [\d.]+ kB$/);
      if (i > 0) {
        expect(event.loaded).toBeGreaterThanOrEqual(progress[i - 1]?.loaded as number);
        expect(event.progress).toBeGreaterThanOrEqual(progress[i - 1]?.progress as number);
        expect(event.filesDone).toBeGreaterThanOrEqual(progress[i - 1]?.filesDone as number);
      }
      if (event.file) expect(event.fileLoaded).toBeLessThanOrEqual(statSync(join(modelDir, event.file)).size);
    }
    expect(progress.at(-1)).toMatchObject({ progress: 100, loaded: totalOnDisk, filesDone: 4 });
    const statuses = events.map((event) => event.status);
    expect(statuses.slice(-2)).toEqual(['building', 'ready']);
    expect(events.filter((event) => event.status === 'download').map((event) => event.status === 'download' && [event.file, event.source])).toEqual(expect.arrayContaining(FILES.map((file) => [file, 'network'])));
  });

  it('loads a second page from the model cache with every model URL blocked, and ranks the same', async () => {
    await inFreshContext(async (context) => {
      const cold = await loadAndRank((await openHarness(context, server.url)).page, { models: MODELS });
      expect(cold.info.cache).toMatchObject({ enabled: true, persistent: true, name: 'webrerank-models', storage: 'opfs' });

      const served = tiny.requests.length;
      const blocked: string[] = [];
      await context.route('**/test-models/**', (route) => {
        blocked.push(route.request().url());
        return route.abort('internetdisconnected');
      });
      const warm = await loadAndRank((await openHarness(context, server.url)).page, { models: MODELS });
      expect(warm.response).toEqual(cold.response);
      expect(tiny.requests.length).toBe(served);
      expect(blocked).toEqual([]);
      const sources = warm.events.flatMap((event) => (event.status === 'download' ? [event.source] : []));
      expect(sources).toEqual(['cache', 'cache', 'cache', 'cache']);
    });
  }, 180_000);

  it('detects a cached model file cut in half or with one byte changed, downloads it again and ranks the same', async () => {
    await inFreshContext(async (context) => {
      const { page } = await openHarness(context, server.url);
      const options = { models: MODELS, cache: { name: 'integrity' } };
      const cold = await loadAndRank(page, options);

      for (const how of ['truncate', 'flip'] as const) {
        const fetched = requestsOf(MODEL_FILE);
        await damageStoredFile(page, 'integrity', statSync(join(modelDir, MODEL_FILE)).size, how);
        const again = await loadAndRank(page, options);
        expect(again.response).toEqual(cold.response);
        // Only the damaged file came from the network, once.
        expect(requestsOf(MODEL_FILE)).toBe(fetched + 1);
        const sources = Object.fromEntries(again.events.flatMap((event) => (event.status === 'download' ? [[event.file, event.source]] : [])));
        expect(sources).toEqual({ 'config.json': 'cache', 'tokenizer_config.json': 'cache', 'tokenizer.json': 'cache', 'onnx/model_quantized.onnx': 'network' });
      }
    });
  }, 240_000);

  it('lists the cached files with their size and SHA-256, and deletes them by model', async () => {
    await inFreshContext(async (context) => {
      const { page } = await openHarness(context, server.url);
      await loadAndRank(page, { models: MODELS, cache: { name: 'listing' } });
      const listed = await page.evaluate(() => window.webrerank.listCachedModels({ name: 'listing' }));
      expect(listed.map((file: CachedModelFile) => file.file).sort()).toEqual([...FILES].sort());
      for (const file of listed) {
        const bytes = readFileSync(join(modelDir, file.file));
        expect(file).toMatchObject({ model: MODEL, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), url: `${server.url}test-models/tiny/${file.file}` });
      }
      const deleted = await page.evaluate(async (model) => {
        const { deleteCachedModels, listCachedModels } = window.webrerank;
        return { other: await deleteCachedModels({ model: 'another/model', name: 'listing' }), mine: await deleteCachedModels({ model, name: 'listing' }), left: await listCachedModels({ name: 'listing' }) };
      }, MODEL);
      expect(deleted).toEqual({ other: 0, mine: 4, left: [] });
    });
  }, 180_000);

  it('still loads and ranks when storage is full, and info().cache says why nothing was kept', async () => {
    await inFreshContext(async (context) => {
      const { page } = await openHarness(context, server.url);
      const cdp = await context.newCDPSession(page);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin, quotaSize: 1024 });
      const { response, info } = await loadAndRank(page, { models: MODELS, cache: { name: 'full-disk' } });
      expect(response.results).toHaveLength(3);
      expect(info.cache).toMatchObject({ enabled: true, persistent: false, reason: expect.stringMatching(/^storage is full\b.* model files are kept in memory only/) });
      expect(await page.evaluate(() => window.webrerank.listCachedModels({ name: 'full-disk' }))).toEqual([]);
    });
  }, 180_000);

  it('asks the browser to keep a cached model under storage pressure, and reports whether it may be evicted', async () => {
    await inFreshContext(async (context) => {
      const { page } = await openHarness(context, server.url);
      // A fresh headless profile is denied: the cache is best-effort, and info() says so.
      const denied = await loadAndRank(page, { models: MODELS, cache: { name: 'persist' } });
      expect(denied.info.cache?.persistence).toMatchObject({ mode: 'best-effort', requested: true, reason: expect.stringContaining('may be evicted') });
      expect(await page.evaluate(() => navigator.storage.persisted())).toBe(false);
      // Not asked for: nothing requested, and nothing reported without a cache.
      const declined = await loadAndRank(page, { models: MODELS, cache: { name: 'persist', persist: false } });
      expect(declined.info.cache?.persistence).toMatchObject({ mode: 'best-effort', requested: false });
      expect((await loadAndRank(page, { models: MODELS, cache: false })).info.cache?.persistence).toBeUndefined();

      // The site granted persistent storage (as Chromium does for a bookmarked or installed site).
      const { targetInfo } = (await (await context.newCDPSession(page)).send('Target.getTargetInfo')) as { targetInfo: { browserContextId: string } };
      await (await browser.newBrowserCDPSession()).send('Browser.grantPermissions', { origin: new URL(server.url).origin, browserContextId: targetInfo.browserContextId, permissions: ['durableStorage'] });
      const granted = await loadAndRank(page, { models: MODELS, cache: { name: 'persist' } });
      expect(granted.info.cache?.persistence).toMatchObject({ mode: 'persistent' });
      expect(await page.evaluate(() => navigator.storage.persisted())).toBe(true);
    });
  }, 180_000);

  it('answers a model path that the dev server answers with its HTML page as 503 model_load_failed naming the missing URL', async () => {
    const outcome = await inFreshContext(async (context) => {
      // What a single-page app's dev server does with a path it doesn't have: its index.html, 200.
      await context.route('**/tests-models/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><html><body>app</body></html>' }));
      const { page } = await openHarness(context, server.url);
      return page.evaluate(async () => {
        try {
          await window.webrerank.createReranker({ models: [{ id: 'typo', source: { path: '/tests-models/tiny' } }], cache: false });
          return null;
        } catch (error) {
          const { status, code, message } = error as { status: number; code: string; message: string };
          return { status, code, message };
        }
      });
    });
    expect(outcome).toMatchObject({ status: 503, code: 'model_load_failed' });
    expect(outcome?.message).toContain(`No model folder at ${server.url}tests-models/tiny: ${server.url}tests-models/tiny/config.json answered with an HTML page`);
    expect(outcome?.message).not.toMatch(/JSON/);
  });
});

