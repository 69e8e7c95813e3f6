/**
 * The full-size q8 stand-in (569 MB) with `createReranker({ shared: true })` in real Chromium:
 * two tabs share one loaded model — judged by the browser's memory, which a second copy would
 * grow by more than the file's size — a tab that closes mid-call takes nothing from the other,
 * and after the whole browser is closed, a new one on the same profile loads the model from the
 * OPFS cache with every model URL blocked.
 *
 * With the tiny model (test/chromium/shared-worker.test.ts) a second engine is lost in the noise of
 * pages settling, so "one copy" is only checked there by counting workers; at this size it is
 * measured. Slow (minutes): runs only with WEBRERANK_FULL_SIZE=1 (CI sets it).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserRerankerOptions, LoadProgress, RerankResponse } from '../../src/index.js';
import type { RerankRequest } from '../../src/core/contract.js';
import { generateStandinModel } from '../../tools/standin/index.js';
import { collectGarbageEverywhere } from '../kit/browser-gc.js';
import { pidsWith, settledProcessesMemory, type ProcessesMemory } from '../kit/process-memory.js';
import { startDevServer, type ServedFolder, type TestServer } from '../kit/servers.js';
import { launchChromiumWithProfile, openHarness } from '../chromium/support/chromium.js';

const MODEL = 'BAAI/bge-reranker-v2-m3';
// No score cache: the tabs' repeated calls must reach the model to take turns on it.
const SHARED: BrowserRerankerOptions = { models: [{ id: MODEL, source: { path: '/test-models/full' } }], device: 'wasm', shared: true, scoreCacheBytes: 0 };
// Short documents: a full-size rerank of 20 documents × 256 tokens takes ~70 s here.
const REQUEST: RerankRequest = {
  model: MODEL,
  query: 'What is machine learning?',
  documents: ['Machine learning is a subset of artificial intelligence.', 'The weather today is sunny.', 'Deep learning uses neural networks with many layers.'],
};

let modelDir: string;
let fileMib: number;
let served: ServedFolder;
let server: TestServer;
let profile: string;
let context: BrowserContext | undefined;
let cdp: CDPSession;
let firstResponse: RerankResponse;
let firstLoadMs: number;
const tabs: Page[] = [];

beforeAll(async () => {
  modelDir = process.env.WEBRERANK_FULL_SIZE_MODEL_DIR ?? resolve('.cache/standin/full');
  if (!process.env.WEBRERANK_FULL_SIZE_MODEL_DIR) await generateStandinModel({ out: modelDir, preset: 'full', dtypes: ['q8'], reuseExisting: true });
  fileMib = statSync(join(modelDir, 'onnx/model_quantized.onnx')).size / 2 ** 20;
  served = { prefix: '/test-models/full', dir: modelDir, requests: [] };
  server = await startDevServer([served]);
  profile = mkdtempSync(join(tmpdir(), 'webrerank-full-shared-'));
  context = await launchChromiumWithProfile(profile);
  cdp = await context.newCDPSession(context.pages()[0] ?? (await context.newPage()));
}, 600_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** The browser's memory (every process of this profile) after a full GC in every page and worker, settled. */
function settledMemory(): Promise<ProcessesMemory> {
  return settledProcessesMemory(profile, () => collectGarbageEverywhere(context as BrowserContext));
}

/** In a new tab: `createReranker(options)`, then one ranking; with the times and what loading said. */
async function openAndRank(target: BrowserContext, options: BrowserRerankerOptions = SHARED) {
  const { page } = await openHarness(target, server.url);
  tabs.push(page);
  const result = await page.evaluate(
    async ({ options, request }) => {
      const events: LoadProgress[] = [];
      const started = performance.now();
      window.reranker = await window.webrerank.createReranker({ ...(options as BrowserRerankerOptions), onProgress: (event) => events.push(event) });
      const loadMs = performance.now() - started;
      const response = await window.reranker.rerank(request);
      return { loadMs, rankMs: performance.now() - started - loadMs, response, info: await window.reranker.info(), events };
    },
    { options, request: REQUEST },
  );
  const sources = result.events.flatMap((event) => (event.status === 'download' ? [event.source] : []));
  return { page, ...result, sources };
}

async function workers(type: 'shared_worker' | 'worker'): Promise<number> {
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: Array<{ type: string }> };
  return targetInfos.filter((target) => target.type === type).length;
}

const mib = (memory: ProcessesMemory) => `PSS ${memory.pssMib} MiB, RSS ${memory.rssMib} MiB, ${memory.processes} processes`;

describe('the full-size q8 model shared by tabs and kept across a browser restart', () => {
  it('lets a second tab rank with the first tab’s model: nothing downloaded, ready at once, and the browser grows by far less than a model', async () => {
    const first = await openAndRank(context as BrowserContext);
    expect(first.info).toMatchObject({ worker: 'shared', backend: 'wasm', dtype: 'q8', cache: { enabled: true, persistent: true, storage: 'opfs' } });
    expect(first.sources).toEqual(['network', 'network', 'network', 'network']);
    expect(first.response.results).toHaveLength(3);
    [firstResponse, firstLoadMs] = [first.response, first.loadMs];
    const oneTab = await settledMemory();

    const requests = served.requests.length;
    const second = await openAndRank(context as BrowserContext);
    const twoTabs = await settledMemory();
    // The joining tab hears only `ready`, downloads nothing and ranks exactly as the first.
    expect(second.events.map((event) => event.status)).toEqual(['ready']);
    expect(served.requests.length).toBe(requests);
    expect(second.response).toEqual(first.response);
    expect(await workers('shared_worker')).toBe(1);
    expect(await workers('worker')).toBe(0);

    const growth = twoTabs.pssMib - oneTab.pssMib;
    console.log(
      `full-size q8 (${fileMib.toFixed(0)} MiB), shared: first tab ready in ${(first.loadMs / 1000).toFixed(1)} s, ranked in ${(first.rankMs / 1000).toFixed(1)} s; ` +
        `second tab ready in ${(second.loadMs / 1000).toFixed(2)} s, ranked in ${(second.rankMs / 1000).toFixed(1)} s. ` +
        `Browser with one tab: ${mib(oneTab)}; with two: ${mib(twoTabs)}; growth ${growth} MiB PSS (${(growth / fileMib).toFixed(2)}× the file)`,
    );
    // A second copy of the model would add at least the weights in WASM (~650 MiB > the file); a
    // tab of the harness page adds its own renderer's share.
    expect(growth).toBeLessThan(fileMib / 2);
    expect(second.loadMs).toBeLessThan(first.loadMs / 10);
  }, 1_200_000);

  it('keeps the model and answers the other tab when a tab closes in the middle of its call', async () => {
    const [first, second] = tabs as [Page, Page];
    const requests = served.requests.length;
    // Tab one starts a longer call; tab two's call waits behind it; tab one closes while it runs.
    await first.evaluate((request) => {
      const long = { ...request, documents: Array.from({ length: 4 }, () => request.documents).flat() };
      (window as { longCallDone?: boolean }).longCallDone = false;
      void (window.reranker as NonNullable<typeof window.reranker>).rerank(long).finally(() => ((window as { longCallDone?: boolean }).longCallDone = true));
    }, REQUEST);
    const waiting = second.evaluate((request) => (window.reranker as NonNullable<typeof window.reranker>).rerank(request), REQUEST);
    await new Promise((done) => setTimeout(done, 1500));
    expect(await first.evaluate(() => (window as { longCallDone?: boolean }).longCallDone)).toBe(false);
    await first.close();

    expect(await waiting).toEqual(firstResponse);
    const again = await second.evaluate(async (request) => {
      const started = performance.now();
      const response = await (window.reranker as NonNullable<typeof window.reranker>).rerank(request);
      return { ms: performance.now() - started, response, info: await (window.reranker as NonNullable<typeof window.reranker>).info() };
    }, REQUEST);
    expect(again.response).toEqual(firstResponse);
    expect(again.info).toMatchObject({ state: 'ready', worker: 'shared' });
    const left = await settledMemory();
    console.log(`after the first tab closed mid-call: a ranking in the other tab ${(again.ms / 1000).toFixed(1)} s; browser ${mib(left)}`);
    // Nothing loaded again: no download, a ranking far quicker than a load, and the model still in memory.
    expect(served.requests.length).toBe(requests);
    expect(again.ms).toBeLessThan(firstLoadMs / 3);
    expect(await workers('shared_worker')).toBe(1);
    expect(left.pssMib).toBeGreaterThan(fileMib);
  }, 600_000);

  it('loads the model from the cache in a new browser on the same profile, with every model URL blocked, and ranks the same', async () => {
    // Close the browser entirely: every process of this profile ends.
    await context?.close();
    context = undefined;
    const until = Date.now() + 30_000;
    while (pidsWith(profile).length > 0 && Date.now() < until) await new Promise((done) => setTimeout(done, 250));
    expect(pidsWith(profile)).toEqual([]);

    const requests = served.requests.length;
    context = await launchChromiumWithProfile(profile);
    const blocked: string[] = [];
    await context.route('**/test-models/**', (route) => {
      blocked.push(route.request().url());
      return route.abort('internetdisconnected');
    });
    const restarted = await openAndRank(context);
    console.log(`after a browser restart: ready from the cache in ${(restarted.loadMs / 1000).toFixed(1)} s, ranked in ${(restarted.rankMs / 1000).toFixed(1)} s; cache ${JSON.stringify(restarted.info.cache)}`);
    expect(restarted.sources).toEqual(['cache', 'cache', 'cache', 'cache']);
    expect(restarted.response).toEqual(firstResponse);
    expect(served.requests.length).toBe(requests);
    expect(blocked).toEqual([]);
    expect(restarted.info.cache).toMatchObject({ enabled: true, persistent: true, persistence: { mode: expect.stringMatching(/^(persistent|best-effort)$/) } });
    const listed = await restarted.page.evaluate(() => window.webrerank.listCachedModels());
    expect(listed.map((file) => file.file).sort()).toEqual(['config.json', 'onnx/model_quantized.onnx', 'tokenizer.json', 'tokenizer_config.json']);
  }, 1_200_000);
});
