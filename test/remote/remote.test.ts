/**
 * The remote client against a real HTTP server on 127.0.0.1 that injects faults; its successful
 * answers are real scores from the real engine on the generated stand-in model.
 */
import { STANDIN_WARNING } from '../../src/core/standin.js';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { RerankEngine } from '../../src/engine/engine.js';
import { isRerankError, type RerankError } from '../../src/core/errors.js';
import { createReranker } from '../../src/node.js';
import type { RerankResponse } from '../../src/core/contract.js';
import { createRemoteReranker, type RemoteRerankerOptions } from '../../src/remote/remote-reranker.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { startFaultServer, type FaultServer } from '../support/fault-server.js';
import { failOnUnhandledRejections } from '../support/unhandled-rejections.js';
import { timed, withinMs } from '../support/timing.js';

const API_KEY = 'sk-remote-test-key';
// Short waits keep the file fast; the defaults (300 ms, ×2) are the same code with larger numbers.
const FAST: Partial<RemoteRerankerOptions> = { retryDelayMs: 10, timeoutMs: 2_000 };

failOnUnhandledRejections();

let engine: RerankEngine;
let server: FaultServer;
let direct: RerankResponse;

beforeAll(async () => {
  // No score cache: every answer here is computed, so each test sees the server's plain meta.
  engine = await createReranker({ modelPath: inject('tinyModelDir'), scoreCacheBytes: 0 });
  direct = await engine.rerank(HOSTED_EXAMPLE);
  server = await startFaultServer(engine);
});
afterAll(async () => {
  await server.close();
  await engine.dispose();
});
beforeEach(() => server.reset());

function remote(options: Partial<RemoteRerankerOptions> = {}) {
  return createRemoteReranker({ baseUrl: server.url, apiKey: API_KEY, ...FAST, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<RerankError> {
  try {
    await promise;
  } catch (error) {
    expect(isRerankError(error)).toBe(true);
    expect((error as Error).message).not.toContain(API_KEY);
    return error as RerankError;
  }
  throw new Error('expected a rejection');
}

describe('the remote client, on a healthy server', () => {
  it('POSTs the request to /v1/rerank with the Bearer key and returns the real ranking, marked remote', async () => {
    const response = await remote().rerank(HOSTED_EXAMPLE);
    expect(response.results).toEqual(direct.results);
    // The server serves the stand-in under its own id, even asked by the real model's name.
    expect(response.model).toBe('webrerank/standin-tiny');
    // The server runs the stand-in and says so; the client passes it on.
    expect(response.meta).toEqual({ backend: 'remote', warnings: [STANDIN_WARNING] });
    expect(server.requests).toHaveLength(1);
    const [seen] = server.requests;
    expect(seen?.method).toBe('POST');
    expect(seen?.path).toBe('/v1/rerank');
    expect(seen?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen?.body ?? '')).toEqual(HOSTED_EXAMPLE);
  });

  it('accepts a base URL that already ends in /v1', async () => {
    await remote({ baseUrl: `${server.url}/v1/` }).rerank(HOSTED_EXAMPLE);
    expect(server.requests[0]?.path).toBe('/v1/rerank');
  });

  it('refuses an invalid request with the same typed 400 as the engine, without a network call', async () => {
    const error = await rejection(remote().rerank({ ...HOSTED_EXAMPLE, documents: [] }));
    expect(error).toMatchObject({ status: 400, code: 'empty_documents' });
    expect(server.requests).toHaveLength(0);
  });

  it('refuses locally, with typed 413s and no network call, a request past the character limits it was given', async () => {
    const limited = remote({ maxDocumentCharacters: 40, maxTotalCharacters: 100 });
    expect(await rejection(limited.rerank({ ...HOSTED_EXAMPLE, documents: ['x'.repeat(41)] }))).toMatchObject({ status: 413, code: 'document_too_large' });
    expect(await rejection(limited.rerank({ ...HOSTED_EXAMPLE, documents: ['x'.repeat(40), 'y'.repeat(40)] }))).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(server.requests).toHaveLength(0);
  });

  it('sends a request its caller validated as it is, without checking its limits again', async () => {
    const response = await remote({ maxDocuments: 2 }).rerankValidated?.(HOSTED_EXAMPLE);
    expect(response?.results).toEqual(direct.results);
    expect(server.requests).toHaveLength(1);
  });

  it('reports itself as a ready remote backend', async () => {
    expect(await remote({ models: ['m1', 'm2'] }).info()).toMatchObject({ backend: 'remote', state: 'ready', models: ['m1', 'm2'] });
  });
});

describe('the remote client, retrying', () => {
  it('waits out a 429 with Retry-After, then succeeds', async () => {
    server.script({ kind: 'respond', status: 429, body: { error: { message: 'slow down' } }, headers: { 'Retry-After': '1' } });
    const { value, ms } = await timed(() => remote().rerank(HOSTED_EXAMPLE));
    expect(value.results).toEqual(direct.results);
    expect(server.requests).toHaveLength(2);
    expect(ms).toBeGreaterThanOrEqual(950);
  });

  it('retries a 500, then succeeds', async () => {
    server.script({ kind: 'respond', status: 500, body: { error: { message: 'boom' } } });
    const response = await remote().rerank(HOSTED_EXAMPLE);
    expect(response.results).toEqual(direct.results);
    expect(server.requests).toHaveLength(2);
  });

  it('gives up on 503 after the bounded retries, with a typed 503 and the upstream message', async () => {
    const unavailable = { kind: 'respond', status: 503, body: { error: { status: 503, code: 'model_unavailable', message: 'Model not available' } } } as const;
    server.script(unavailable, unavailable, unavailable);
    const error = await rejection(remote().rerank(HOSTED_EXAMPLE));
    expect(error).toMatchObject({ status: 503, code: 'model_unavailable', message: 'Model not available' });
    expect(server.requests).toHaveLength(3);
  });

  it('keeps an upstream error code it knows, such as model_loading with its Retry-After', async () => {
    server.script({ kind: 'respond', status: 503, body: { error: { code: 'model_loading', message: 'loading' } }, headers: { 'Retry-After': '0' } });
    server.script({ kind: 'respond', status: 503, body: { error: { code: 'model_loading', message: 'loading' } }, headers: { 'Retry-After': '0' } });
    const error = await rejection(remote({ retries: 1 }).rerank(HOSTED_EXAMPLE));
    expect(error).toMatchObject({ status: 503, code: 'model_loading', retryAfter: 0 });
  });

  it('does not wait for a Retry-After longer than its cap: it fails at once and passes the wait on', async () => {
    server.script({ kind: 'respond', status: 429, body: { error: { message: 'come back in two minutes' } }, headers: { 'Retry-After': '120' } });
    const { value: error, ms } = await timed(() => rejection(remote({ maxRetryDelayMs: 1_000 }).rerank(HOSTED_EXAMPLE)));
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', retryAfter: 120, message: 'come back in two minutes' });
    expect(server.requests).toHaveLength(1);
    expect(ms).toBeLessThan(withinMs(500));
  });

  it('times out a hanging attempt, retries, and fails with `timeout` within the bound', async () => {
    server.script({ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' });
    const { value: error, ms } = await timed(() => rejection(remote({ timeoutMs: 200 }).rerank(HOSTED_EXAMPLE)));
    expect(error).toMatchObject({ status: 504, code: 'timeout' });
    expect(server.requests).toHaveLength(3);
    // 3 attempts × 200 ms + two short backoffs, with room for a slow machine.
    expect(ms).toBeGreaterThanOrEqual(600);
    expect(ms).toBeLessThan(withinMs(1_500));
  });

  it('maps a dropped connection to `network_error` after the retries', async () => {
    server.script({ kind: 'drop' }, { kind: 'drop' }, { kind: 'drop' });
    const error = await rejection(remote().rerank(HOSTED_EXAMPLE));
    expect(error).toMatchObject({ status: 503, code: 'network_error' });
    expect(error.message).toContain('127.0.0.1');
    expect(server.requests).toHaveLength(3);
  });

  it('maps a refused connection to `network_error`', async () => {
    const closed = await startFaultServer(engine);
    await closed.close();
    const error = await rejection(remote({ baseUrl: closed.url, retries: 1 }).rerank(HOSTED_EXAMPLE));
    expect(error.code).toBe('network_error');
  });

  it.each([
    [400, 'invalid_request'],
    [401, 'unauthorized'],
    [402, 'quota_exceeded'],
    [413, 'payload_too_large'],
  ])('never retries a %i: one request, a typed %s error with the upstream message', async (status, code) => {
    server.script({ kind: 'respond', status, body: { error: { message: `upstream says ${status}` } } });
    const error = await rejection(remote().rerank(HOSTED_EXAMPLE));
    expect(error).toMatchObject({ status, code, message: `upstream says ${status}` });
    expect(server.requests).toHaveLength(1);
  });

  it('describes an error status without a JSON body by its status', async () => {
    server.script({ kind: 'respond', status: 402, body: '<html>Payment Required</html>', headers: { 'Content-Type': 'text/html' } });
    const error = await rejection(remote().rerank(HOSTED_EXAMPLE));
    expect(error).toMatchObject({ status: 402, code: 'quota_exceeded' });
    expect(error.message).toMatch(/answered 402/);
  });
});

describe('the remote client, on a malformed answer', () => {
  it.each([
    ['not JSON', 'results: [oops'],
    ['the wrong shape', { results: 'nope' }],
    ['an index outside the request', { results: [{ index: 9, relevance_score: 0.5 }] }],
    ['a document listed twice', { results: [{ index: 0, relevance_score: 0.5 }, { index: 0, relevance_score: 0.4 }] }],
  ])('turns %s into a typed invalid_response error, not retried', async (_name, body) => {
    server.script({ kind: 'respond', status: 200, body });
    const error = await rejection(remote().rerank(HOSTED_EXAMPLE));
    expect(error).toMatchObject({ status: 500, code: 'invalid_response' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('the remote client, aborted', () => {
  it('rejects with an AbortError at once when aborted during a backoff wait', async () => {
    server.script({ kind: 'respond', status: 503, body: {}, headers: { 'Retry-After': '10' } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { value: error, ms } = await timed(() => rejection(remote().rerank(HOSTED_EXAMPLE, { signal: controller.signal })));
    expect(error).toMatchObject({ name: 'AbortError', code: 'aborted' });
    expect(ms).toBeLessThan(withinMs(1_000));
    expect(server.requests).toHaveLength(1);
  });

  it('rejects with an AbortError at once when aborted while waiting for an answer', async () => {
    server.script({ kind: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const { value: error, ms } = await timed(() => rejection(remote({ timeoutMs: 10_000 }).rerank(HOSTED_EXAMPLE, { signal: controller.signal })));
    expect(error.name).toBe('AbortError');
    expect(ms).toBeLessThan(withinMs(1_000));
    expect(server.requests).toHaveLength(1);
  });

  it('sends nothing when the signal has already fired', async () => {
    const error = await rejection(remote().rerank(HOSTED_EXAMPLE, { signal: AbortSignal.abort() }));
    expect(error.name).toBe('AbortError');
    expect(server.requests).toHaveLength(0);
  });

  it('ends requests in flight on dispose, and refuses new ones', async () => {
    server.script({ kind: 'hang' });
    const client = remote({ timeoutMs: 10_000 });
    const pending = rejection(client.rerank(HOSTED_EXAMPLE));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.dispose();
    expect((await pending).code).toBe('model_unavailable');
    expect((await rejection(client.rerank(HOSTED_EXAMPLE))).code).toBe('model_unavailable');
  });
});

describe('the remote client, speaking TEI', () => {
  it('POSTs {query, texts, raw_scores, return_text, truncate} to /rerank and builds our response from the answer', async () => {
    server.script({ kind: 'tei-answer' });
    const response = await remote({ protocol: 'tei' }).rerank({ ...HOSTED_EXAMPLE, top_n: 2, return_documents: true });
    expect(server.requests[0]?.path).toBe('/rerank');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({
      query: HOSTED_EXAMPLE.query,
      texts: HOSTED_EXAMPLE.documents,
      raw_scores: false,
      return_text: false,
      truncate: true,
    });
    // TEI answered in index order; ours is sorted, cut to top_n and carries the texts.
    expect(response.results).toEqual(
      direct.results.slice(0, 2).map((result) => ({ ...result, document: { text: HOSTED_EXAMPLE.documents[result.index] } })),
    );
    expect(response.meta).toEqual({ backend: 'remote' });
  });

  it("maps TEI's error body and 413 without retrying", async () => {
    server.script({ kind: 'respond', status: 413, body: { error: 'batch size 4 > maximum allowed batch size 2', error_type: 'Validation' } });
    const error = await rejection(remote({ protocol: 'tei' }).rerank(HOSTED_EXAMPLE));
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large', message: 'batch size 4 > maximum allowed batch size 2' });
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a TEI answer that misses a text', async () => {
    server.script({ kind: 'respond', status: 200, body: [{ index: 0, score: 0.5 }] });
    expect((await rejection(remote({ protocol: 'tei' }).rerank(HOSTED_EXAMPLE))).code).toBe('invalid_response');
  });

  it('refuses max_chunks_per_doc above 1 locally, since TEI cannot chunk', async () => {
    const error = await rejection(remote({ protocol: 'tei' }).rerank({ ...HOSTED_EXAMPLE, max_chunks_per_doc: 2 }));
    expect(error).toMatchObject({ status: 400, code: 'invalid_max_chunks_per_doc' });
    expect(server.requests).toHaveLength(0);
  });

  it('refuses max_tokens_per_doc locally, since TEI cuts documents only at its own limit', async () => {
    const error = await rejection(remote({ protocol: 'tei' }).rerank({ ...HOSTED_EXAMPLE, max_tokens_per_doc: 16 }));
    expect(error).toMatchObject({ status: 400, code: 'invalid_max_tokens_per_doc' });
    expect(server.requests).toHaveLength(0);
  });
});
