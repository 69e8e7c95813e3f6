/**
 * `webrerank/langchain` in real Chromium: LangChain Documents reranked by the model in a Web
 * Worker (WASM), with the same ranking and scores (within the cross-runtime tolerance) as Node on
 * onnxruntime-web's WASM backend.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WebrerankDocumentCompressor } from '../../src/adapters/langchain.js';
import type { RerankRequest, RerankResponse } from '../../src/core/contract.js';
import { HOSTED_EXAMPLE, mixedDocuments } from '../kit/documents.js';
import { launchChromium, openHarness, type HarnessPage } from './support/chromium.js';
import { expectSameRanking, nodeWasmAnswer } from './support/parity.js';
import { startDevServer, type ServedFolder, type TestServer } from '../kit/servers.js';

const modelDir = inject('tinyModelDir');
const MODEL = HOSTED_EXAMPLE.model;
const tiny: ServedFolder = { prefix: '/test-models/tiny', dir: modelDir, requests: [] };
const MODELS = [{ id: MODEL, source: { path: '/test-models/tiny' } }];
const REQUEST: RerankRequest = { model: MODEL, query: HOSTED_EXAMPLE.query, documents: [...HOSTED_EXAMPLE.documents, ...mixedDocuments(8, 5, 40, 5)] };

declare global {
  interface Window {
    langchain: { WebrerankDocumentCompressor: typeof WebrerankDocumentCompressor; Document: typeof import('@langchain/core/documents').Document };
  }
}

let server: TestServer;
let browser: Browser;
let harness: HarnessPage;
let reference: RerankResponse;

beforeAll(async () => {
  [server, browser, reference] = await Promise.all([startDevServer([tiny]), launchChromium(), nodeWasmAnswer(modelDir, REQUEST, 'q8')]);
  harness = await openHarness(await browser.newContext(), server.url, 'test/chromium/fixtures/langchain.html');
}, 180_000);

afterAll(() => Promise.all([browser?.close(), server?.close()]));

describe('webrerank/langchain in Chromium', () => {
  it('reranks LangChain Documents in the worker as Node does, writing metadata.relevanceScore', async () => {
    const { ranked, info } = await harness.page.evaluate(
      async ({ models, request }) => {
        const reranker = await window.webrerank.createReranker({ models, dtype: 'q8' });
        const compressor = new window.langchain.WebrerankDocumentCompressor({ reranker, model: request.model });
        const documents = request.documents.map((pageContent, index) => new window.langchain.Document({ pageContent, metadata: { index } }));
        const compressed = await compressor.compressDocuments(documents, request.query);
        const info = await reranker.info();
        await reranker.dispose();
        return { ranked: compressed.map((document) => ({ index: document.metadata.index as number, relevance_score: document.metadata.relevanceScore as number, text: document.pageContent })), info };
      },
      { models: MODELS, request: REQUEST },
    );
    expect(info.backend).toBe('wasm');
    for (const { index, text } of ranked) expect(text).toBe(REQUEST.documents[index]);
    expectSameRanking({ ...reference, results: ranked.map(({ index, relevance_score }) => ({ index, relevance_score })) }, reference);
    expect(harness.errors).toEqual([]);
  });
});
