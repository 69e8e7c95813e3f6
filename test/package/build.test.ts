/**
 * The built package as users get it, and built apps: `tsc` output laid out in an app's
 * node_modules and reached through the package's `exports` map — from Node, from `vite` (dev)
 * and from `vite build` — and the demo built from source.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureDemoModel } from '../../tools/demo-model.js';
import type { RerankResponse } from '../../src/core/contract.js';
import { HOSTED_EXAMPLE } from '../../tools/harness/documents.js';
import { launchChromium, openHarness } from '../browser/support/chromium.js';
import { createConsumerApp, type ConsumerApp } from '../browser/support/consumer.js';
import { expectSameRanking } from '../browser/support/parity.js';
import { REPO_ROOT, buildApp, startDevServer, startPreviewServer, type AppOptions, type ServedFolder, type TestServer } from '../../tools/harness/servers.js';

const run = promisify(execFile);
const modelDir = inject('tinyModelDir');
const tiny: ServedFolder = { prefix: '/test-models/tiny', dir: modelDir, requests: [] };

let app: ConsumerApp;
let appOptions: AppOptions;
let browser: Browser;
/** The built package's answer in Node (onnxruntime-node, fp32). */
let nodeResponse: RerankResponse;

beforeAll(async () => {
  [app, browser] = await Promise.all([createConsumerApp(), launchChromium()]);
  appOptions = { root: app.dir, configFile: join(app.dir, 'vite.config.js'), preserveSymlinks: true };
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.remove();
});

/** Loads the tiny model in the app at `url` and reranks the hosted example; with the worker's URL. */
async function rerankInApp(server: TestServer) {
  const context = await browser.newContext();
  const outside: string[] = [];
  context.on('request', (request) => {
    if (!request.url().startsWith(server.url)) outside.push(request.url());
  });
  try {
    const { page, errors } = await openHarness(context, server.url, 'index.html');
    const workers: string[] = [];
    page.on('worker', (worker) => workers.push(new URL(worker.url()).pathname));
    const response = await page.evaluate(async (request) => {
      const reranker = await window.webrerank.createReranker({ models: [{ id: request.model, source: { path: '/test-models/tiny' } }], dtype: 'fp32' });
      const answer = await reranker.rerank(request);
      await reranker.dispose();
      return answer;
    }, HOSTED_EXAMPLE);
    return { response, workers, errors, outside };
  } finally {
    await context.close();
  }
}

describe('the built package', () => {
  it('imports in Node through the exports map (node → dist/src/node.js) and reranks', async () => {
    const script = `
      const resolved = import.meta.resolve('webrerank');
      const { createReranker } = await import('webrerank');
      const reranker = await createReranker({ modelPath: ${JSON.stringify(modelDir)}, dtype: 'fp32' });
      const response = await reranker.rerank(${JSON.stringify(HOSTED_EXAMPLE)});
      await reranker.dispose();
      console.log(JSON.stringify({ resolved, response }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app.dir });
    const { resolved, response } = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { resolved: string; response: RerankResponse };
    expect(resolved).toBe(`file://${join(app.packageDir, 'dist/src/node.js')}`);
    expect(response.meta).toEqual({ backend: 'cpu', dtype: 'fp32' });
    expect(response.results).toHaveLength(4);
    nodeResponse = response;
  });

  it('exposes webrerank/langchain, webrerank/llamaindex and webrerank/ai-sdk, each ranking with the package’s reranker', async () => {
    const script = `
      const { createReranker } = await import('webrerank');
      const { WebrerankDocumentCompressor } = await import('webrerank/langchain');
      const { WebrerankNodePostprocessor } = await import('webrerank/llamaindex');
      const { webrerankRerankingModel } = await import('webrerank/ai-sdk');
      const { Document } = await import('@langchain/core/documents');
      const { TextNode } = await import('@llamaindex/core/schema');
      const { query, documents } = ${JSON.stringify(HOSTED_EXAMPLE)};
      const reranker = await createReranker({ modelPath: ${JSON.stringify(modelDir)}, dtype: 'fp32' });
      const [document] = await new WebrerankDocumentCompressor({ reranker, topN: 1 }).compressDocuments(documents.map((pageContent) => new Document({ pageContent })), query);
      const [node] = await new WebrerankNodePostprocessor({ reranker, topN: 1 }).postprocessNodes(documents.map((text) => ({ node: new TextNode({ text }) })), query);
      const { ranking } = await webrerankRerankingModel({ reranker }).doRerank({ documents: { type: 'text', values: documents }, query, topN: 1 });
      await reranker.dispose();
      console.log(JSON.stringify({
        resolved: import.meta.resolve('webrerank/langchain'),
        langchain: documents.indexOf(document.pageContent),
        llamaindex: documents.indexOf(node.node.text),
        aiSdk: ranking[0].index,
      }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app.dir });
    const best = nodeResponse.results[0]?.index;
    expect(JSON.parse(stdout.trim().split('\n').at(-1) as string)).toEqual({
      resolved: `file://${join(app.packageDir, 'dist/src/adapters/langchain.js')}`,
      langchain: best,
      llamaindex: best,
      aiSdk: best,
    });
  });

  it('runs in a Vite app in dev (vite), its worker served from the package', async () => {
    const server = await startDevServer([tiny], appOptions);
    try {
      const { response, workers, errors, outside } = await rerankInApp(server);
      expect(workers).toContain('/node_modules/webrerank/dist/worker/rerank.worker.js');
      expect(response.meta).toEqual({ backend: 'wasm', dtype: 'fp32' });
      expectSameRanking(response, nodeResponse);
      expect(errors).toEqual([]);
      expect(outside).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('runs in a Vite app after vite build, its worker bundled as an asset', async () => {
    const outDir = join(app.dir, 'dist');
    await buildApp(outDir, appOptions);
    const server = await startPreviewServer(outDir, [tiny], appOptions);
    try {
      const { response, workers, errors, outside } = await rerankInApp(server);
      expect(workers).toContainEqual(expect.stringMatching(/^\/assets\/rerank\.worker-[\w-]+\.js$/));
      expect(response.meta).toEqual({ backend: 'wasm', dtype: 'fp32' });
      expectSameRanking(response, nodeResponse);
      expect(errors).toEqual([]);
      expect(outside).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('the demo, built from source', () => {
  it('reranks after vite build (vite preview)', async () => {
    await ensureDemoModel();
    const outDir = join(REPO_ROOT, 'dist-demo');
    await buildApp(outDir);
    const server = await startPreviewServer(outDir);
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await page.waitForSelector('#model option', { state: 'attached' });
      await page.click('#rerank');
      await page.waitForFunction(() => document.querySelectorAll('#results .result').length === 4, null, { timeout: 60_000 });
      expect(await page.textContent('#badge')).toMatch(/^WASM · q8/);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    } finally {
      await page.close();
      await server.close();
    }
  });
});
