/**
 * A query too long for the max length is the caller's to fix: a 400 `query_too_long` that names
 * the limit, on the native route and on TEI's, never a 500 — over real HTTP, answered by the
 * engine on the stand-in.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';

const modelPath = inject('tinyModelDir');
/** 16 words, each one token: 12 after the query cap (¾ of 16), which leaves the document nothing. */
const LONG_QUERY = 'the cat sat on the mat and the dog sat on the rug and then they slept';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ engine: { modelPath, maxLength: 16 }, port: 0, log: () => undefined });
  await server.ready;
});
afterAll(() => server.close());

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

describe('a query too long for the max length', () => {
  it('answers 400 query_too_long naming the limit on /v1/rerank', async () => {
    const response = await post('/v1/rerank', { ...HOSTED_EXAMPLE, model: server.model, query: LONG_QUERY, documents: ['a short document'] });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { status: number; code: string; message: string } };
    expect(error).toMatchObject({ status: 400, code: 'query_too_long' });
    expect(error.message).toContain('maxLength 16');
    expect(error.message).toContain('12 tokens');
  });

  it("answers 400 query_too_long naming the limit on TEI's /rerank", async () => {
    const response = await post('/rerank', { query: LONG_QUERY, texts: ['a short document'] });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; error_type: string };
    expect(body.error_type).toBe('query_too_long');
    expect(body.error).toContain('maxLength 16');
    expect(body.error).toContain('12 tokens');
  });

  it('still answers a query that leaves the document room', async () => {
    const response = await post('/rerank', { query: 'the cat sat', texts: ['a short document', 'the cat sat on the mat'] });
    expect(response.status).toBe(200);
    expect((await response.json()) as unknown[]).toHaveLength(2);
  });
});
