/**
 * The full-size q8 stand-in (bge-reranker-v2-m3's 24 layers, 569 MB) in real Chromium, as a user
 * gets it: loaded from the app's server into the model cache, ranking; then a second page with
 * every model URL blocked loads it from the cache and ranks the same — while the renderer stays
 * under 2.75× the model file (measured 2.26–2.34×; 2.8–3.1× before the weights were read from the
 * cache on demand, 4.4× before external data).
 *
 * Slow (minutes), so it runs only with WEBRERANK_FULL_SIZE=1 (CI sets it). The model is generated
 * into .cache/standin/full once (~90 s), or taken from WEBRERANK_FULL_SIZE_MODEL_DIR.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadProgress } from '../../src/index.js';
import { generateStandinModel } from '../../tools/standin/index.js';
import { launchChromiumWithProfile, openHarness } from '../chromium/support/chromium.js';
import { startDevServer, type ServedFolder, type TestServer } from '../kit/servers.js';

const MODEL_FILE = 'onnx/model_quantized.onnx';
const MODELS = [{ id: 'BAAI/bge-reranker-v2-m3', source: { path: '/test-models/full' } }];
const REQUEST = {
  model: 'BAAI/bge-reranker-v2-m3',
  query: 'What is machine learning?',
  documents: ['Machine learning is a subset of artificial intelligence.', 'The weather today is sunny.', 'Deep learning uses neural networks with many layers.'],
};

let modelDir: string;
let served: ServedFolder;
let server: TestServer;
let profile: string;
let context: BrowserContext;

/** This profile's renderer processes. */
function renderers(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(profile) && cmdline.includes('--type=renderer')) pids.push(Number(entry));
    } catch {
      // gone between listing and reading
    }
  }
  return pids;
}

/** The largest renderer's resident memory now (`VmRSS`) or at its peak (`VmHWM`), in MiB. */
function rendererMib(field: 'VmRSS' | 'VmHWM'): number {
  let largest = 0;
  for (const pid of renderers()) {
    try {
      const kib = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      largest = Math.max(largest, kib / 1024);
    } catch {
      // gone
    }
  }
  return Math.round(largest);
}

/** Starts a new peak: VmHWM back to the current RSS (as the bench does), where permitted. */
function resetPeak(): void {
  for (const pid of renderers()) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      // not permitted: the next peak includes the earlier one
    }
  }
}

async function loadAndRank(page: Page) {
  return page.evaluate(
    async ({ models, request }) => {
      const events: LoadProgress[] = [];
      const started = performance.now();
      const reranker = await window.webrerank.createReranker({ models, device: 'wasm', onProgress: (event) => events.push(event) });
      const loadMs = performance.now() - started;
      const response = await reranker.rerank(request);
      const info = await reranker.info();
      await reranker.dispose();
      return { loadMs, response, info, sources: events.flatMap((event) => (event.status === 'download' ? [event.source] : [])) };
    },
    { models: MODELS, request: REQUEST },
  );
}

beforeAll(async () => {
  modelDir = process.env.WEBRERANK_FULL_SIZE_MODEL_DIR ?? resolve('.cache/standin/full');
  if (!process.env.WEBRERANK_FULL_SIZE_MODEL_DIR) await generateStandinModel({ out: modelDir, preset: 'full', dtypes: ['q8'], reuseExisting: true });
  served = { prefix: '/test-models/full', dir: modelDir, requests: [] };
  server = await startDevServer([served]);
  profile = mkdtempSync(join(tmpdir(), 'webrerank-full-size-'));
  context = await launchChromiumWithProfile(profile);
}, 600_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('the full-size q8 model in Chromium', () => {
  it('loads from the server into the model cache, then loads again with the network blocked, under 2.75x the file in memory (2.8-3.1x before on-demand weights)', async () => {
    const fileMib = statSync(join(modelDir, MODEL_FILE)).size / 2 ** 20;
    const first = await openHarness(context, server.url);
    const startMib = rendererMib('VmRSS');
    const cold = await loadAndRank(first.page);
    const coldPeak = rendererMib('VmHWM');
    expect(cold.info.cache).toMatchObject({ enabled: true, persistent: true });
    expect(cold.sources).toEqual(['network', 'network', 'network', 'network']);
    expect(cold.response.results).toHaveLength(3);
    await first.page.close();
    const afterMib = rendererMib('VmRSS');
    resetPeak();

    const requests = served.requests.length;
    const blocked: string[] = [];
    await context.route('**/test-models/**', (route) => {
      blocked.push(route.request().url());
      return route.abort('internetdisconnected');
    });
    const warm = await loadAndRank((await openHarness(context, server.url)).page);
    expect(warm.sources).toEqual(['cache', 'cache', 'cache', 'cache']);
    expect(warm.response).toEqual(cold.response);
    expect(served.requests.length).toBe(requests);
    expect(blocked).toEqual([]);

    const warmPeak = rendererMib('VmHWM');
    console.log(`full-size q8 (${fileMib.toFixed(0)} MiB): cold load ${(cold.loadMs / 1000).toFixed(1)} s, warm load (cache) ${(warm.loadMs / 1000).toFixed(1)} s; renderer MiB: page open ${startMib}, peak cold ${coldPeak}, after closing the page ${afterMib}, peak warm ${warmPeak}`);
    // The target is 2.5x: measured 2.26-2.34x here (docs/performance.md, "The full-size model"): the
    // weights once in WASM, read from the cache on demand, never the whole file in JS. Holding the
    // file in JS while the session is built measured 2.8-3.1x (3.04x in CI, which reads ~0.25x
    // above this machine); the bound sits between the two with that margin, so a return to the
    // whole file in memory fails here while the measured spread passes.
    // The warm page shares the renderer with what the closed cold page left behind, so only the
    // cold peak is a clean measure.
    expect(coldPeak).toBeLessThanOrEqual(2.75 * fileMib);
  }, 1_200_000);
});
