/**
 * `createReranker({ shared: true })` in real Chromium: two tabs of one origin share one model in
 * a SharedWorker — the second tab downloads nothing, is ready in a fraction of the time and no
 * second copy of the model is made; closing a tab mid-call leaves the other working; the last tab
 * going ends the worker. Both tabs rank as Node does.
 *
 * "No second copy" is checked by what holds models: one SharedWorker and no dedicated worker. The
 * browser's memory (PSS of its processes) was tried and is not asserted: with the tiny model, a
 * second engine is within the noise of pages settling on a busy machine (±100 MiB seen).
 * Model caching is off, so a tab that loaded the model again would have to download it again —
 * which the served folder's request log would show.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createReranker as createNodeReranker } from '../../src/node.js';
import type { BrowserRerankerOptions } from '../../src/index.js';
import type { RerankRequest, RerankResponse } from '../../src/core/contract.js';
import { HOSTED_EXAMPLE, mixedDocuments } from '../kit/documents.js';
import { startDevServer, type ServedFolder, type TestServer } from '../kit/servers.js';
import { launchChromiumWithProfile, openHarness } from './support/chromium.js';
import { expectSameRanking } from './support/parity.js';
import { expectGrowingPartials } from '../support/stream.js';

const modelDir = inject('tinyModelDir');
const MODEL = HOSTED_EXAMPLE.model;
const tiny: ServedFolder = { prefix: '/test-models/tiny', dir: modelDir, requests: [] };
const MODELS = [{ id: MODEL, source: { path: '/test-models/tiny' } }];
// No score cache: the tabs' repeated calls must reach the model to take turns on it.
const SHARED: BrowserRerankerOptions = { models: MODELS, shared: true, cache: false, scoreCacheBytes: 0 };
const REQUEST: RerankRequest = { model: MODEL, query: 'machine learning', documents: mixedDocuments(30, 8, 200, 7) };
const MODEL_FILES = ['/config.json', '/tokenizer.json', '/onnx/model_quantized.onnx'];

let server: TestServer;
let profile: string;
let context: BrowserContext;
let cdp: CDPSession;
let reference: RerankResponse;

beforeAll(async () => {
  profile = mkdtempSync(join(tmpdir(), 'webrerank-shared-'));
  [server, context] = await Promise.all([startDevServer([tiny]), launchChromiumWithProfile(profile)]);
  // DevTools on a blank tab of its own, which outlives the tabs the tests close.
  cdp = await context.newCDPSession(context.pages()[0] ?? (await context.newPage()));
  const node = await createNodeReranker({ modelPath: modelDir, backend: 'wasm', dtype: 'q8' });
  reference = await node.rerank(REQUEST);
  await node.dispose();
}, 300_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Opens a tab of the harness and creates `window.reranker` there; returns the time to ready and its info. */
async function openTab(options: BrowserRerankerOptions = SHARED) {
  const { page, errors } = await openHarness(context, server.url);
  const created = await page.evaluate(async (options) => {
    const started = performance.now();
    window.reranker = await window.webrerank.createReranker(options as BrowserRerankerOptions);
    const loadMs = performance.now() - started;
    return { loadMs, info: await window.reranker.info() };
  }, options);
  return { page, errors, ...created };
}

function rerankIn(page: Page, request: RerankRequest = REQUEST): Promise<RerankResponse> {
  return page.evaluate((request) => (window.reranker as NonNullable<typeof window.reranker>).rerank(request), request);
}

/** The browser's workers of one kind now (`shared_worker`, or `worker`: dedicated), as DevTools lists them. */
async function workers(type: 'shared_worker' | 'worker'): Promise<string[]> {
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: Array<{ type: string; url: string }> };
  return targetInfos.filter((target) => target.type === type).map((target) => target.url);
}

/** Waits until `check` holds, or `ms` pass; returns whether it held. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return check();
}

describe('one model for all tabs (shared: true) in Chromium', () => {
  const tabs: Page[] = [];

  it('lets a second tab rank with the first tab’s model: nothing downloaded again, ready in a fraction of the time, no second copy of the model', async () => {
    const first = await openTab();
    tabs.push(first.page);
    expect(first.info).toMatchObject({ worker: 'shared', inWorker: true, backend: 'wasm' });
    expectSameRanking(await rerankIn(first.page), reference);
    expect(tiny.requests).toEqual(expect.arrayContaining(MODEL_FILES));

    // The second tab.
    const downloadsBefore = tiny.requests.length;
    const { page: second } = await openHarness(context, server.url);
    tabs.push(second);
    const joined = await second.evaluate(async (options) => {
      const progress: unknown[] = [];
      const started = performance.now();
      window.reranker = await window.webrerank.createReranker({ ...(options as BrowserRerankerOptions), onProgress: (event) => progress.push(event) });
      return { loadMs: performance.now() - started, info: await window.reranker.info(), progress };
    }, SHARED);
    // Nothing to download: the joining tab hears only that the model is ready.
    expect(joined.progress).toEqual([expect.objectContaining({ status: 'ready', model: MODEL, backend: 'wasm', dtype: 'q8' })]);
    expectSameRanking(await rerankIn(second), reference);
    expect(tiny.requests.slice(downloadsBefore)).toEqual([]);
    expect(joined.info).toMatchObject({ worker: 'shared', state: 'ready', models: [MODEL], backend: 'wasm' });
    // One model in the browser: one SharedWorker, and no dedicated worker holding a second copy.
    expect(await workers('shared_worker')).toHaveLength(1);
    expect(await workers('worker')).toEqual([]);

    console.log(
      `shared_second_tab_load_s (tiny model): ${(joined.loadMs / 1000).toFixed(3)} s vs first tab ${(first.loadMs / 1000).toFixed(3)} s ` +
        `(${(joined.loadMs / first.loadMs).toFixed(3)}×); SharedWorker crossOriginIsolated=${first.info.capabilities?.crossOriginIsolated}, threads=${first.info.threads}`,
    );
    expect(joined.loadMs).toBeLessThan(first.loadMs / 3);
  }, 300_000);

  it('keeps typed errors and cancel-by-id across the SharedWorker', async () => {
    const [, second] = tabs as [Page, Page];
    const outcome = await second.evaluate(async (request) => {
      const reranker = window.reranker as NonNullable<typeof window.reranker>;
      const { isRerankError, AbortError } = window.webrerank;
      const loadError = await (reranker as unknown as { load(id: string): Promise<unknown> }).load('no-such-model').then(() => null, (error: unknown) => error);
      const controller = new AbortController();
      const big = { ...request, documents: Array.from({ length: 6 }, () => request.documents).flat() };
      const aborted = reranker.rerank(big, { signal: controller.signal });
      const other = reranker.rerank(request);
      controller.abort();
      const abortError = await aborted.then(() => null, (error: unknown) => error);
      const answer = await other;
      const e = loadError as { status?: number; code?: string };
      return { typed: isRerankError(loadError), status: e?.status, code: e?.code, aborted: abortError instanceof AbortError, answer };
    }, REQUEST);
    expect(outcome).toMatchObject({ typed: true, status: 400, code: 'unknown_model', aborted: true });
    expectSameRanking(outcome.answer, reference);
  }, 120_000);

  it('streams growing partials across the SharedWorker, ending with what rerank() answers', async () => {
    const [, second] = tabs as [Page, Page];
    const { items, answer } = await second.evaluate(async (request) => {
      const reranker = window.reranker as NonNullable<typeof window.reranker>;
      const items = [];
      for await (const item of reranker.rerankStream(request)) items.push(item);
      return { items, answer: await reranker.rerank(request) };
    }, REQUEST);
    expect(items.length).toBeGreaterThan(2);
    expectGrowingPartials(items, REQUEST.documents.length);
    const { scored: _scored, total: _total, done, ...final } = items.at(-1) as (typeof items)[number];
    expect(done).toBe(true);
    expect(final).toEqual(answer);
  }, 120_000);

  it('cancels a closed tab’s calls, running and queued, and answers the other tab’s waiting call with the same model', async () => {
    const [first, second] = tabs as [Page, Page];
    const big = { ...REQUEST, documents: Array.from({ length: 8 }, () => REQUEST.documents).flat() };
    const bigMs = await second.evaluate(async (big) => {
      const started = performance.now();
      await (window.reranker as NonNullable<typeof window.reranker>).rerank(big);
      return performance.now() - started;
    }, big);
    // Tab one queues a backlog of big calls and closes while the first of them runs.
    await first.evaluate((big) => {
      for (let i = 0; i < 5; i++) void (window.reranker as NonNullable<typeof window.reranker>).rerank(big).catch(() => undefined);
    }, big);
    // Tab two has a call waiting behind tab one's running one when tab one goes.
    const downloads = tiny.requests.length;
    const waiting = rerankIn(second);
    await new Promise((resolve) => setTimeout(resolve, bigMs / 4));
    await first.close();
    expectSameRanking(await waiting, reference);
    // Had the backlog stayed, tab two's calls would take turns with it: each would wait for a big call.
    const after = await second.evaluate(async (request) => {
      const reranker = window.reranker as NonNullable<typeof window.reranker>;
      const started = performance.now();
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await reranker.rerank(request));
      return { ms: performance.now() - started, answers };
    }, REQUEST);
    console.log(`closed tab: one big call ${bigMs.toFixed(0)} ms; three calls of the other tab after the close ${after.ms.toFixed(0)} ms`);
    for (const answer of after.answers) expectSameRanking(answer, reference);
    expect(after.ms).toBeLessThan(bigMs * 1.5);
    // Nothing of the model went with the closed tab: no file fetched again, the same one worker.
    expect(tiny.requests.slice(downloads)).toEqual([]);
    expect(await workers('shared_worker')).toHaveLength(1);
  }, 240_000);

  it('ends the SharedWorker, and with it the model, when the last tab disposes its reranker or closes', async () => {
    const [, second] = tabs as [Page, Page];
    // The last tab disposes its reranker: the worker disposes the engine and closes itself.
    await second.evaluate(() => window.reranker?.dispose());
    expect(await eventually(async () => (await workers('shared_worker')).length === 0, 20_000)).toBe(true);
    // The last tab closes without a word: its lock is released, and Chromium ends a worker no page
    // uses. This one keeps its files in the OPFS model cache, which a SharedWorker can write.
    const again = await openTab({ ...SHARED, cache: { name: `shared-${Date.now()}` } });
    expect(again.info).toMatchObject({ worker: 'shared', state: 'ready', cache: { enabled: true, persistent: true, storage: 'opfs' } });
    expect(await workers('shared_worker')).toHaveLength(1);
    await again.page.close();
    expect(await eventually(async () => (await workers('shared_worker')).length === 0, 20_000)).toBe(true);
  }, 180_000);

  it('falls back to a dedicated worker where there is no SharedWorker, and says so', async () => {
    const { page } = await openHarness(context, server.url);
    const info = await page.evaluate(async (options) => {
      delete (globalThis as { SharedWorker?: unknown }).SharedWorker;
      const reranker = await window.webrerank.createReranker(options as BrowserRerankerOptions);
      const info = await reranker.info();
      await reranker.dispose();
      return info;
    }, SHARED);
    expect(info).toMatchObject({ worker: 'dedicated', inWorker: true, workerReason: expect.stringMatching(/no SharedWorker/) });
  }, 120_000);
});
