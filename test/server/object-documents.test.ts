/**
 * Object documents — `{text}`, or any fields chosen by `rank_fields` — rank the same in the
 * library's `rerank()` as over HTTP: one assembly, one set of limits.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RerankResponse } from '../../src/core/contract.js';
import { createReranker } from '../../src/node.js';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';

const modelPath = inject('tinyModelDir');
const MODEL = 'BAAI/bge-reranker-v2-m3';
const documents = [
  { title: 'Carson City', body: 'The capital of Nevada.', year: 1864 },
  { title: 'Washington, D.C.', body: 'The capital of the United States.' },
  { text: 'Only text here', title: 'Ignored without rank_fields' },
];

let server: RunningServer;
let reranker: Awaited<ReturnType<typeof createReranker>>;

beforeAll(async () => {
  [server, reranker] = await Promise.all([startServer({ engine: { modelPath }, port: 0, log: () => undefined, metrics: false }), createReranker({ modelPath })]);
  await server.ready;
});
afterAll(async () => {
  await Promise.all([server.close(), reranker.dispose()]);
});

async function overHttp(body: unknown): Promise<RerankResponse> {
  const response = await fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return (await response.json()) as RerankResponse;
}

describe('object documents in the library', () => {
  it('rank by rank_fields with the scores the server gives', async () => {
    const request = { model: MODEL, query: 'capital of the United States', documents, rank_fields: ['title', 'body'] };
    const library = await reranker.rerank(request);
    const http = await overHttp(request);
    expect(library.results.map(({ index, relevance_score }) => ({ index, relevance_score }))).toEqual(http.results.map(({ index, relevance_score }) => ({ index, relevance_score })));
    expect(library.usage.total_tokens).toBe(http.usage.total_tokens);
  });

  it('rank by text alone as the same text given as a string', async () => {
    const asObject = await reranker.rerank({ model: MODEL, query: 'text', documents: [{ text: 'Only text here' }] });
    const asString = await reranker.rerank({ model: MODEL, query: 'text', documents: ['Only text here'] });
    expect(asObject.results).toEqual(asString.results);
  });

  it('refuse what the server refuses: too many rank_fields, 400', async () => {
    await expect(reranker.rerank({ model: MODEL, query: 'q', documents, rank_fields: Array(101).fill('title') })).rejects.toMatchObject({ status: 400, code: 'invalid_request' });
  });
});
