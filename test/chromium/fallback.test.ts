/**
 * `auto` mode in real Chromium: when this device can't run the model — no WebGPU and no WASM
 * threads, or a model that fails to load — the page's reranker answers through a real
 * `webrerank serve` (the stand-in model, in this test process) and says so.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BrowserRerankerOptions } from '../../src/index.js';
import type { RerankResponse } from '../../src/core/contract.js';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { launchChromium, openHarness } from './support/chromium.js';
import { startDevServer, type TestServer } from '../kit/servers.js';

const API_KEY = 'sk-browser-test';
let api: RunningServer;
let isolatedSite: TestServer;
let plainSite: TestServer;
let browser: Browser;
let context: BrowserContext;
const apiRequests: string[] = [];

beforeAll(async () => {
  api = await startServer({
    port: 0,
    engine: { modelPath: inject('tinyModelDir'), dtype: 'fp32' },
    apiKeys: [API_KEY],
    cors: ['*'],
    log: (line) => apiRequests.push(line),
  });
  await api.ready;
  [isolatedSite, plainSite, browser] = await Promise.all([startDevServer(), startDevServer([], {}, { isolated: false }), launchChromium()]);
  context = await browser.newContext();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([isolatedSite?.close(), plainSite?.close(), api?.close()]);
});

interface PageOutcome {
  response: RerankResponse;
  backend: string | null;
  fallbackReason?: string;
  switches: { from: string; to: string; code?: string }[];
  isolated: boolean;
  gpu: boolean;
}

/** Creates an `auto` reranker in a page of `site` and reranks the hosted example once. */
async function rerankInAutoMode(site: TestServer, options: Partial<BrowserRerankerOptions> = {}): Promise<PageOutcome> {
  const { page } = await openHarness(context, site.url);
  try {
    return await page.evaluate(
      async ({ remote, options, request }) => {
        const switches: PageOutcome['switches'] = [];
        const reranker = await window.webrerank.createReranker({
          ...(options as BrowserRerankerOptions),
          mode: 'auto',
          remote,
          onSwitch: (event) => switches.push({ from: event.from, to: event.to, ...(event.code ? { code: event.code } : {}) }),
        });
        const response = await reranker.rerank(request);
        const info = await reranker.info();
        await reranker.dispose();
        return {
          response,
          backend: info.backend,
          ...(info.fallbackReason ? { fallbackReason: info.fallbackReason } : {}),
          switches,
          isolated: crossOriginIsolated,
          gpu: 'gpu' in navigator && (await navigator.gpu.requestAdapter()) !== null,
        };
      },
      { remote: { baseUrl: api.url, apiKey: API_KEY }, options, request: HOSTED_EXAMPLE },
    );
  } finally {
    await page.close();
  }
}

function expectServerAnswer(response: RerankResponse): void {
  expect(response.meta?.backend).toBe('remote');
  expect(response.results.map((result) => result.index).sort()).toEqual([0, 1, 2, 3]);
  for (const result of response.results) {
    expect(result.relevance_score).toBeGreaterThan(0);
    expect(result.relevance_score).toBeLessThan(1);
  }
}

describe('auto mode in Chromium', () => {
  it('answers through the server when the page has neither WebGPU nor WASM threads', async () => {
    const before = apiRequests.length;
    const outcome = await rerankInAutoMode(plainSite);
    expect([outcome.isolated, outcome.gpu]).toEqual([false, false]);
    expectServerAnswer(outcome.response);
    expect(outcome.backend).toBe('remote');
    // Decided up front from the plan: nothing was tried locally, so nothing switched.
    expect(outcome.switches).toEqual([]);
    // One rerank reached the server (after the browser's CORS preflight).
    expect(apiRequests.slice(before).filter((line) => line.startsWith('POST'))).toEqual([expect.stringMatching(/^POST \/v1\/rerank 200 /)]);
  });

  it('switches to the server when the local model fails to load, and says why', async () => {
    const outcome = await rerankInAutoMode(isolatedSite, {
      // A threaded, isolated page runs the model locally — but its files aren't there.
      models: [{ id: HOSTED_EXAMPLE.model, source: { path: '/no-such-model' } }],
      cache: false,
    });
    expect(outcome.isolated).toBe(true);
    expectServerAnswer(outcome.response);
    expect(outcome.backend).toBe('remote');
    expect(outcome.switches).toEqual([{ from: 'local', to: 'remote', code: 'model_load_failed' }]);
    expect(outcome.fallbackReason).toMatch(/load/i);
  });
});
