/**
 * The limits given to `startServer` hold end to end: the HTTP door, the engine thread behind it and
 * an upstream client all take the same limits object (documents and characters), so a request the
 * door accepts is ranked, and one past the limit is refused at the door with the limit the
 * operator set.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RerankResponse } from '../../src/core/contract.js';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';

const modelPath = inject('tinyModelDir');
const MODEL = 'BAAI/bge-reranker-v2-m3';
const documents = (count: number) => Array.from({ length: count }, (_, index) => `note ${index} on rivers`);

function rerank(url: string, count: number): Promise<Response> {
  return fetch(`${url}/v1/rerank`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: MODEL, query: 'rivers', documents: documents(count), top_n: 3 }),
  });
}

describe('startServer({ limits: { maxDocuments: 2000 } }) with the engine in its thread', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ engine: { modelPath, maxLength: 32 }, limits: { maxDocuments: 2000 }, port: 0, log: () => undefined });
    await server.ready;
  });
  afterAll(() => server.close());

  it('ranks 1,500 documents, past the engine’s own default of 1,000', async () => {
    const response = await rerank(server.url, 1500);
    expect(response.status).toBe(200);
    const body = (await response.json()) as RerankResponse;
    expect(body.results).toHaveLength(3);
    for (const result of body.results) expect(result.index).toBeLessThan(1500);
  }, 120_000);

  it('refuses 2,001 documents at the door, naming the limit the operator set', async () => {
    const response = await rerank(server.url, 2001);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('too_many_documents');
    expect(error.message).toMatch(/at most 2000 are allowed/);
  });
});

describe('startServer({ limits: { maxDocuments: 2000, maxDocumentCharacters: 6_000_000 } }) forwarding to an upstream', () => {
  let upstream: RunningServer;
  let front: RunningServer;
  const limits = { maxDocuments: 2000, maxDocumentCharacters: 6_000_000, maxTotalCharacters: 6_000_000, maxBodyBytes: 8_000_000 };
  beforeAll(async () => {
    upstream = await startServer({ engine: { modelPath, maxLength: 32, inWorker: false }, limits, port: 0, log: () => undefined, metrics: false });
    await upstream.ready;
    front = await startServer({ upstream: { baseUrl: upstream.url, models: [MODEL] }, limits, port: 0, log: () => undefined, metrics: false });
  });
  afterAll(async () => {
    await front.close();
    await upstream.close();
  });

  it('passes 1,500 documents on instead of refusing them in its client', async () => {
    const response = await rerank(front.url, 1500);
    expect(response.status).toBe(200);
    expect(((await response.json()) as RerankResponse).results).toHaveLength(3);
  }, 120_000);

  it('passes a document longer than the default character limit on instead of refusing it in its client', async () => {
    const longText = 'rivers and their banks '.repeat(250_000);
    const response = await fetch(`${front.url}/v1/rerank`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: MODEL, query: 'rivers', documents: [longText] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as RerankResponse).results).toHaveLength(1);
  }, 120_000);
});

describe('startServer({ limits }) with character limits above the defaults', () => {
  // Past the default of 5,242,880 characters per text and per request, and the default body size.
  const longText = 'rivers and their banks '.repeat(250_000);
  let server: RunningServer;
  beforeAll(async () => {
    const limits = { maxBodyBytes: 16_000_000, maxDocumentCharacters: 6_000_000, maxTotalCharacters: 10_000_000 };
    server = await startServer({ engine: { modelPath, maxLength: 32 }, limits, port: 0, log: () => undefined, metrics: false });
    await server.ready;
  });
  afterAll(() => server.close());

  const post = (body: unknown) => fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('ranks a document longer than the default, which the engine behind does not refuse by its own default', async () => {
    expect(longText.length).toBeGreaterThan(5 * 1024 * 1024);
    const response = await post({ model: MODEL, query: 'rivers', documents: [longText, 'a short note on cooking'] });
    expect(response.status).toBe(200);
    expect(((await response.json()) as RerankResponse).results.map((result) => result.index).sort()).toEqual([0, 1]);
  }, 120_000);

  it('refuses at the door, naming the operator’s limit, a document past it', async () => {
    const response = await post({ model: MODEL, query: 'rivers', documents: [`${longText}${'x'.repeat(300_000)}`] });
    expect(response.status).toBe(413);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('document_too_large');
    expect(error.message).toMatch(/at most 6000000 are allowed/);
  });

  it('refuses at the door, naming the operator’s limit, a request past its total', async () => {
    const response = await post({ model: MODEL, query: 'rivers', documents: [longText, longText] });
    expect(response.status).toBe(413);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('payload_too_large');
    expect(error.message).toMatch(/at most 10000000 are allowed/);
  });
});
