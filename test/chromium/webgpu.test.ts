/**
 * The WebGPU path in real Chromium. `--enable-unsafe-webgpu` gives a SwiftShader adapter here: a
 * software GPU, so the shaders really compile and run (slowly — ~10–25 s the first time), but it
 * has no `shader-f16`, so fp16 can only be checked for being refused.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STANDIN_WARNING } from '../../src/core/standin.js';
import type { BrowserRerankerOptions } from '../../src/index.js';
import type { RerankRequest, RerankResponse } from '../../src/core/contract.js';
import { HOSTED_EXAMPLE, mixedDocuments } from '../kit/documents.js';
import { launchChromium, openHarness } from './support/chromium.js';
import { expectSameRanking, nodeWasmAnswer } from './support/parity.js';
import { startDevServer, type ServedFolder, type TestServer } from '../kit/servers.js';

const modelDir = inject('tinyModelDir');
const MODEL = HOSTED_EXAMPLE.model;
const tiny: ServedFolder = { prefix: '/test-models/tiny', dir: modelDir, requests: [] };
const MODELS = [{ id: MODEL, source: { path: '/test-models/tiny' } }];
const REQUEST: RerankRequest = { model: MODEL, query: 'machine learning', documents: mixedDocuments(12, 8, 60, 7) };

let server: TestServer;
let browser: Browser;
let page: Page;
let reference: RerankResponse;

beforeAll(async () => {
  [server, browser] = await Promise.all([startDevServer([tiny]), launchChromium({ webgpu: true })]);
  ({ page } = await openHarness(await browser.newContext(), server.url));
  reference = await nodeWasmAnswer(modelDir, REQUEST, 'fp32');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('webrerank in Chromium on WebGPU (SwiftShader)', () => {
  it('ranks like Node in fp32 when WebGPU is forced, and reports webgpu', { timeout: 240_000 }, async () => {
    const outcome = await page.evaluate(
      async ({ models, request }) => {
        let started = performance.now();
        const reranker = await window.webrerank.createReranker({ models, device: 'webgpu', scoreCacheBytes: 0 } as BrowserRerankerOptions);
        const loadMs = performance.now() - started;
        started = performance.now();
        await reranker.rerank(request);
        const firstMs = performance.now() - started;
        started = performance.now();
        const response = await reranker.rerank(request);
        const rerankMs = performance.now() - started;
        const info = await reranker.info();
        await reranker.dispose();
        return { loadMs, firstMs, rerankMs, response, info };
      },
      { models: MODELS, request: REQUEST },
    );
    expect(outcome.response.meta).toEqual({ backend: 'webgpu', dtype: 'fp32', warnings: [STANDIN_WARNING] });
    expect(outcome.info.backend).toBe('webgpu');
    expect(outcome.info.fallbacks).toBeUndefined();
    expect(outcome.info.capabilities?.webgpu).toMatchObject({ available: true, isFallbackAdapter: true, shaderF16: false });
    // No shader-f16: fp32, never q8 on WebGPU.
    expect(outcome.info.plan?.runtimes).toEqual([expect.objectContaining({ device: 'webgpu', dtype: 'fp32' })]);
    const delta = expectSameRanking(outcome.response, reference);
    console.log(
      `webgpu fp32 (SwiftShader): load ${outcome.loadMs.toFixed(0)} ms, first rerank (shader compile) ${outcome.firstMs.toFixed(0)} ms, ` +
        `rerank ${outcome.rerankMs.toFixed(0)} ms (${REQUEST.documents.length} docs), max |Δscore| vs Node ${delta.toExponential(2)}`,
    );
  });

  it('passes over a software adapter by default and runs WASM, saying why', async () => {
    const info = await page.evaluate(async (models) => {
      const reranker = await window.webrerank.createReranker({ models, preload: false });
      const found = await reranker.info();
      await reranker.dispose();
      return found;
    }, MODELS);
    expect(info.capabilities?.webgpu.available).toBe(true);
    expect(info.plan?.runtimes).toEqual([expect.objectContaining({ device: 'wasm', dtype: 'q8' })]);
    expect(info.plan?.skipped).toContainEqual({ device: 'webgpu', reason: expect.stringMatching(/software fallback/) });
  });

  it('refuses fp16 on an adapter without shader-f16, listing what would work', async () => {
    const outcome = await page.evaluate(async (models) => {
      try {
        await window.webrerank.createReranker({ models, device: 'webgpu', dtype: 'fp16', preload: false });
        return null;
      } catch (error) {
        const e = error as { status: number; code: string; message: string };
        return { status: e.status, code: e.code, message: e.message };
      }
    }, MODELS);
    expect(outcome).toMatchObject({ status: 503, code: 'model_unavailable' });
    expect(outcome?.message).toMatch(/shader-f16/);
    expect(outcome?.message).toMatch(/Alternatives here: .*device: 'webgpu', dtype: 'fp32'/);
  });
});
