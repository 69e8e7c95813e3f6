/**
 * The library in real Chromium, on WASM, in a Web Worker: the same answers as Node, typed errors
 * across the worker and self-hosted files (the model cache and load progress: model-cache.test.ts;
 * aborts, a worker that dies and its respawn: the session tests, engine-session.test.ts).
 *
 * One browser for the file; pages are served by `vite` with the project's own config (COOP/COEP).
 * No `--enable-unsafe-webgpu` here, so `requestAdapter()` returns null and the plan must fall
 * back to WASM.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STANDIN_WARNING } from '../../src/core/standin.js';
import { createReranker as createNodeReranker } from '../../src/node.js';
import type { BrowserRerankerOptions } from '../../src/index.js';
import type { RerankRequest, RerankResponse } from '../../src/core/contract.js';
import { HOSTED_EXAMPLE, mixedDocuments } from '../kit/documents.js';
import { fourMegabyteTexts, oneMegabyteQuery } from '../kit/large-inputs.js';
import { launchChromium, openHarness } from './support/chromium.js';
import { expectSameRanking } from './support/parity.js';
import { REPO_ROOT, startCrossOriginServer, startDevServer, type ServedFolder, type TestServer } from '../kit/servers.js';
import { expectGrowingPartials } from '../support/stream.js';

const modelDir = inject('tinyModelDir');
const MODEL = HOSTED_EXAMPLE.model;
const tiny: ServedFolder = { prefix: '/test-models/tiny', dir: modelDir, requests: [] };
const ortFiles: ServedFolder = { prefix: '/ort-files', dir: join(REPO_ROOT, 'node_modules/onnxruntime-web/dist'), requests: [] };
const crossOriginTiny: ServedFolder = { prefix: '/models/tiny', dir: modelDir, requests: [] };
/** The tiny model with a config.json that is not JSON: transformers.js' own complaint must stay in `cause`. */
const brokenConfig: ServedFolder = { prefix: '/test-models/broken-config', dir: '', requests: [] };
/** The tiny model served as the default model id, as an app self-hosting it would. */
const MODELS = [{ id: MODEL, source: { path: '/test-models/tiny' } }];

const REQUEST: RerankRequest = { model: MODEL, query: 'machine learning', documents: mixedDocuments(30, 8, 200, 7) };

let server: TestServer;
let crossOrigin: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const reference: Partial<Record<'fp32' | 'q8', RerankResponse>> = {};
const outsideRequests: string[] = [];

beforeAll(async () => {
  brokenConfig.dir = await mkdtemp(join(tmpdir(), 'webrerank-broken-config-'));
  await cp(modelDir, brokenConfig.dir, { recursive: true });
  await writeFile(join(brokenConfig.dir, 'config.json'), '{ "model_type": "xlm-roberta", ');
  [server, crossOrigin, browser] = await Promise.all([startDevServer([tiny, ortFiles, brokenConfig]), startCrossOriginServer(crossOriginTiny), launchChromium()]);
  context = await browser.newContext();
  context.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(server.url) && !url.startsWith(crossOrigin.url)) outsideRequests.push(url);
  });
  ({ page } = await openHarness(context, server.url));
  // Node answers on onnxruntime-web's WASM backend: the same kernels as the browser.
  for (const dtype of ['fp32', 'q8'] as const) {
    const node = await createNodeReranker({ modelPath: modelDir, backend: 'wasm', dtype });
    reference[dtype] = await node.rerank(REQUEST);
    await node.dispose();
  }
}, 180_000);

/** What creating a reranker in the page throws for each model entry (null where it loads). */
function loadFailures(entries: { id: string; source: { path: string } }[]): Promise<({ status: number; code: string; message: string } | null)[]> {
  return page.evaluate(
    async (tries) =>
      Promise.all(
        tries.map(async (entry) => {
          try {
            await window.webrerank.createReranker({ models: [entry], cache: false });
            return null;
          } catch (error) {
            const { status, code, message } = error as { status: number; code: string; message: string };
            return { status, code, message };
          }
        }),
      ),
    entries,
  );
}

afterAll(async () => {
  await browser?.close();
  await Promise.all([server?.close(), crossOrigin?.close()]);
  if (brokenConfig.dir !== '') await rm(brokenConfig.dir, { recursive: true, force: true });
});

/** Creates a reranker in the page, reranks once, disposes it; with timings and info. */
async function rerankOnce(target: Page, options: BrowserRerankerOptions, request: RerankRequest = REQUEST) {
  return target.evaluate(
    async ({ options, request }) => {
      const started = performance.now();
      // No score cache: the second, timed call must run the model.
      const reranker = await window.webrerank.createReranker({ scoreCacheBytes: 0, ...options } as BrowserRerankerOptions);
      const loadMs = performance.now() - started;
      const first = performance.now();
      await reranker.rerank(request);
      const firstMs = performance.now() - first;
      const second = performance.now();
      const response = await reranker.rerank(request);
      const rerankMs = performance.now() - second;
      const info = await reranker.info();
      await reranker.dispose();
      return { loadMs, firstMs, rerankMs, response, info };
    },
    { options, request },
  );
}

describe('webrerank in Chromium on WASM', () => {
  it('falls back to WASM without a WebGPU adapter and ranks like Node (q8), saying which backend ran', async () => {
    const { loadMs, firstMs, rerankMs, response, info } = await rerankOnce(page, { models: MODELS });
    expect(response.meta).toEqual({ backend: 'wasm', dtype: 'q8', warnings: [STANDIN_WARNING] });
    expect(info.backend).toBe('wasm');
    expect(info.inWorker).toBe(true);
    expect(info.capabilities?.webgpu.available).toBe(false);
    expect(info.plan?.skipped).toContainEqual({ device: 'webgpu', reason: expect.stringMatching(/requestAdapter\(\) returned null/) });
    // COOP/COEP from vite.config.ts: threads.
    expect(info.capabilities?.crossOriginIsolated).toBe(true);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    const delta = expectSameRanking(response, reference.q8 as RerankResponse);
    console.log(`wasm q8: load ${loadMs.toFixed(0)} ms, first rerank ${firstMs.toFixed(0)} ms, rerank ${rerankMs.toFixed(0)} ms (${REQUEST.documents.length} docs, ${info.threads} threads), max |Δscore| vs Node ${delta.toExponential(2)}`);
  });

  it('ranks like Node in fp32 when fp32 is forced', async () => {
    const { loadMs, rerankMs, response } = await rerankOnce(page, { models: MODELS, dtype: 'fp32' });
    expect(response.meta).toEqual({ backend: 'wasm', dtype: 'fp32', warnings: [STANDIN_WARNING] });
    const delta = expectSameRanking(response, reference.fp32 as RerankResponse);
    console.log(`wasm fp32: load ${loadMs.toFixed(0)} ms, rerank ${rerankMs.toFixed(0)} ms, max |Δscore| vs Node ${delta.toExponential(2)}`);
  });

  it('runs in the page itself with inWorker: false, with the same answers', async () => {
    const { response, info } = await rerankOnce(page, { models: MODELS, inWorker: false });
    expect(info.inWorker).toBe(false);
    expectSameRanking(response, reference.q8 as RerankResponse);
  });

  it('answers overlapping calls (queued in the worker) each with its own answer', async () => {
    const requests = [REQUEST, HOSTED_EXAMPLE, { ...REQUEST, documents: REQUEST.documents.slice(0, 5), top_n: 2 }];
    const { together, alone } = await page.evaluate(async ({ models, requests }) => {
      // No score cache: every call runs the model, alone as together.
      const reranker = await window.webrerank.createReranker({ models, scoreCacheBytes: 0 });
      const together = await Promise.all(requests.map((request) => reranker.rerank(request)));
      const alone = [];
      for (const request of requests) alone.push(await reranker.rerank(request));
      await reranker.dispose();
      return { together, alone };
    }, { models: MODELS, requests });
    expect(together).toEqual(alone);
    expect(together.map((response) => response.results.length)).toEqual([30, 4, 2]);
  });

  it('fetches nothing from a CDN: ORT files come from the app, or from wasmPaths when set', async () => {
    const before = ortFiles.requests.length;
    const { response } = await rerankOnce(page, { models: MODELS, wasmPaths: '/ort-files/' });
    expectSameRanking(response, reference.q8 as RerankResponse);
    expect(ortFiles.requests.slice(before)).toContain('/ort-wasm-simd-threaded.asyncify.wasm');
    expect(outsideRequests).toEqual([]);
  });

  it('loads a model from a self-hosted base URL on another origin', async () => {
    const { response } = await rerankOnce(page, { models: [{ id: MODEL, source: { url: `${crossOrigin.url}models/tiny` } }], cache: false });
    expectSameRanking(response, reference.q8 as RerankResponse);
    expect(crossOriginTiny.requests).toEqual(expect.arrayContaining(['/config.json', '/tokenizer.json', '/onnx/model_quantized.onnx']));
  });

  it('keeps the class, status and code of errors thrown in the worker', async () => {
    const outcome = await page.evaluate(async () => {
      const { createReranker, RerankError, isRerankError } = window.webrerank;
      try {
        await createReranker({ models: [{ id: 'missing', source: { path: '/test-models/does-not-exist' } }], cache: false });
        return null;
      } catch (error) {
        const e = error as InstanceType<typeof RerankError>;
        return { instance: error instanceof RerankError, guard: isRerankError(error), name: e.name, status: e.status, code: e.code, message: e.message };
      }
    });
    expect(outcome).toMatchObject({ instance: true, guard: true, name: 'RerankError', status: 503, code: 'model_load_failed' });
    expect(outcome?.message).toMatch(/missing/);
  });

  it("names a wrong base URL and the model's onnx/ folder in plain words, across the worker", async () => {
    const outcomes = await loadFailures([{ id: 'typo', source: { path: '/test-models/tinny' } }, { id: 'onnx-folder', source: { path: '/test-models/tiny/onnx' } }]);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ status: 503, code: 'model_load_failed' });
    expect(outcomes[0]?.message).toContain(`No model folder at ${server.url}test-models/tinny: ${server.url}test-models/tinny/config.json answered`);
    expect(outcomes[0]?.message).toContain('Is this a model folder?');
    expect(outcomes[1]?.message).toContain(`${server.url}test-models/tiny/onnx is the model's onnx/ folder: give its parent, ${server.url}test-models/tiny.`);
  });

  it("says a model's config.json is not valid JSON in plain words, keeping transformers.js' text out of the message", async () => {
    const [outcome] = await loadFailures([{ id: 'broken', source: { path: '/test-models/broken-config' } }]);
    expect(outcome).toMatchObject({ status: 503, code: 'model_load_failed' });
    expect(outcome?.message).toContain('Model "broken" (q8) from /test-models/broken-config could not be loaded: one of its JSON files is not valid JSON.');
    expect(outcome?.message).not.toMatch(/SyntaxError|Unexpected|position/);
  });

  it('ranks a 4 MB document of each kind and a 1 MB query in the worker, a long document as its first window', async () => {
    const cases = [...Object.entries(fourMegabyteTexts()).map(([kind, text]) => ({ kind, query: 'machine learning', text })), { kind: '1 MB query', query: oneMegabyteQuery(), text: 'a short document' }];
    const answers = await page.evaluate(
      async ({ models, model, cases }) => {
        const reranker = await window.webrerank.createReranker({ models } as BrowserRerankerOptions);
        try {
          const answers = [];
          for (const { kind, query, text } of cases) {
            const whole = await reranker.rerank({ model, query, documents: [text, 'a short one'] });
            const start = await reranker.rerank({ model, query, documents: [text.slice(0, 65_536), 'a short one'] });
            answers.push({ kind, whole, start });
          }
          return answers;
        } finally {
          await reranker.dispose();
        }
      },
      { models: MODELS, model: MODEL, cases },
    );
    expect(answers).toHaveLength(cases.length);
    for (const { kind, whole, start } of answers) {
      expect(whole.results.map((result) => result.index).sort(), kind).toEqual([0, 1]);
      expect(whole.results, kind).toEqual(start.results);
    }
  }, 300_000);

  it('rejects a bad request with 400 before it reaches the worker', async () => {
    const outcome = await page.evaluate(async (models) => {
      const reranker = await window.webrerank.createReranker({ models, preload: false });
      try {
        await reranker.rerank({ model: 'BAAI/bge-reranker-v2-m3', query: 'q', documents: [] });
        return null;
      } catch (error) {
        return { status: (error as { status: number }).status, code: (error as { code: string }).code };
      } finally {
        await reranker.dispose();
      }
    }, MODELS);
    expect(outcome).toEqual({ status: 400, code: 'empty_documents' });
  });
});

describe('rerankStream in Chromium', () => {
  /** In the page: every item of a stream, and rerank()'s answer to the same request. */
  async function streamInPage(options: BrowserRerankerOptions, request: RerankRequest) {
    return page.evaluate(
      async ({ options, request }) => {
        const reranker = await window.webrerank.createReranker({ ...options, scoreCacheBytes: 0 } as BrowserRerankerOptions);
        const items = [];
        for await (const item of reranker.rerankStream(request)) items.push(item);
        const answer = await reranker.rerank(request);
        await reranker.dispose();
        return { items, answer };
      },
      { options, request },
    );
  }

  function expectStream(items: Awaited<ReturnType<typeof streamInPage>>['items'], answer: RerankResponse): void {
    expect(items.length).toBeGreaterThan(2);
    expectGrowingPartials(items, REQUEST.documents.length);
    const { scored: _scored, total, done, ...final } = items.at(-1) as (typeof items)[number];
    expect([done, total]).toEqual([true, REQUEST.documents.length]);
    expect(final).toEqual(answer);
  }

  it('yields growing partials from the worker and ends with exactly what rerank() answers', async () => {
    const { items, answer } = await streamInPage({ models: MODELS }, REQUEST);
    expectStream(items, answer);
  });

  it('does the same in the page itself (inWorker: false)', async () => {
    const { items, answer } = await streamInPage({ models: MODELS, inWorker: false }, REQUEST);
    expectStream(items, answer);
  });

  it('ends the stream and the worker\'s work on abort; the next call is answered', async () => {
    const outcome = await page.evaluate(
      async ({ models, request }) => {
        const reranker = await window.webrerank.createReranker({ models, scoreCacheBytes: 0 });
        const controller = new AbortController();
        const big = { ...request, documents: Array.from({ length: 6 }, () => request.documents).flat() };
        const iterator = reranker.rerankStream(big, { signal: controller.signal })[Symbol.asyncIterator]();
        const first = await iterator.next();
        controller.abort();
        const error = await iterator.next().then(() => null, (failure: unknown) => failure as { name?: string });
        const next = await reranker.rerank(request);
        await reranker.dispose();
        return { firstDone: first.value?.done, name: error?.name, results: next.results.length };
      },
      { models: MODELS, request: REQUEST },
    );
    expect(outcome).toEqual({ firstDone: false, name: 'AbortError', results: REQUEST.documents.length });
  });

  it('scores a repeated request from the score cache, identical and counted', async () => {
    const { first, second } = await page.evaluate(
      async ({ models, request }) => {
        const reranker = await window.webrerank.createReranker({ models });
        const first = await reranker.rerank(request);
        const second = await reranker.rerank(request);
        await reranker.dispose();
        return { first, second };
      },
      { models: MODELS, request: REQUEST },
    );
    expect(second.results).toEqual(first.results);
    expect(second.meta).toEqual({ ...first.meta, cached: REQUEST.documents.length });
  });
});
