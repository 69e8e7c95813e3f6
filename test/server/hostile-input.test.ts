/**
 * Requests built to hurt the server, each one a reproduction: small bodies whose object documents
 * would grow past the heap, loops that would hold the event loop, cancels that would be refunded
 * after the model ran, chunk counts that would run thousands of windows for one document's price,
 * and values that would be echoed whole. Each is refused (or charged) before it can do harm, and
 * the server keeps answering. Where a body is big, the server (in this process) must not hold its
 * event loop past the hostile suite's bound (test/timing/hostile-bodies.test.ts) while `/health`
 * is polled. Keys and proxy mode: hostile-keys.test.ts.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fakeReranker } from '../support/scores.js';
import type { RerankResponse } from '../../src/core/contract.js';
import { MAX_DOCUMENT_DEPTH } from '../../src/core/documents.js';
import type { Reranker } from '../../src/core/reranker.js';
import { createServerApp, type ServerAppOptions } from '../../src/server/app.js';
import { createPrometheusMetrics } from '../../src/server/node/metrics.js';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';
import { leastHeld, loopHeldDuring, slowestHealthWhile } from '../kit/responsiveness.js';
import { withinMs } from '../support/timing.js';
import { serveApp } from '../support/serve-app.js';
import { failOnUnhandledRejections } from '../support/unhandled-rejections.js';

const modelPath = inject('tinyModelDir');
const MODEL = 'BAAI/bge-reranker-v2-m3';
const KEY = 'sk-hostile-test';
const auth = { authorization: `Bearer ${KEY}` };

failOnUnhandledRejections();

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ engine: { modelPath, maxLength: 64 }, port: 0, log: () => undefined, metrics: false });
  await server.ready;
});
afterAll(() => server.close());

async function withApp(options: Omit<ServerAppOptions, 'reranker' | 'auth'> & { reranker?: Reranker }, run: (url: string) => Promise<void>): Promise<void> {
  const served = await serveApp(createServerApp({ reranker: server.reranker, auth: { apiKeys: [KEY] }, ...options }));
  try {
    await run(served.url);
  } finally {
    await served.close();
  }
}

function post(url: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  const init: RequestInit = { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: typeof body === 'string' ? body : JSON.stringify(body) };
  if (signal) init.signal = signal;
  return fetch(`${url}/v1/rerank`, init);
}

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  return ((await response.json()) as { error: { status: number; code: string; message: string } }).error;
}

/** A key whose request quota is spent: what is refused below is refused before the quota is asked. */
async function spendQuota(url: string): Promise<void> {
  expect((await post(url, { model: MODEL, query: 'q', documents: ['d'] })).status).toBe(200);
  expect((await post(url, { model: MODEL, query: 'q', documents: ['d'] })).status).toBe(402);
}

async function healthy(url: string): Promise<void> {
  expect((await fetch(`${url}/health`)).status).toBe(200);
}

/** The most a request may hold the event loop: the hostile suite's `/health` bound. */
const LOOP_BOUND_MS = withinMs(100);

/**
 * Sends `body` while `/health` is polled (each answer must be 200); the answer, how long the event
 * loop was held (the server runs in this process; the least of up to three sends, so that a
 * loaded machine's pause is not taken for a stall), and how long the answer took.
 */
async function postWhileProbing(url: string, body: string): Promise<{ response: Response; heldMs: number; tookMs: number }> {
  const { value, heldMs } = await leastHeld(3, LOOP_BOUND_MS, () =>
    loopHeldDuring(async () => {
      const started = performance.now();
      const answer = post(url, body);
      await slowestHealthWhile(url, answer);
      return { response: await answer, tookMs: performance.now() - started };
    }),
  );
  return { ...value, heldMs };
}

/** A reranker that counts the reranks that reached it, in front of the real one. */
function countingReranker(): { reranker: Reranker; calls: () => number } {
  let calls = 0;
  const reranker = fakeReranker({
    info: () => server.reranker.info(),
    dispose: async () => undefined,
    rerank(request, options) {
      calls++;
      return server.reranker.rerank(request, options);
    },
  });
  return { reranker, calls: () => calls };
}

/** Nothing reached the model and the key was charged nothing: no request, no window. */
async function expectNothingChargedOrRun(url: string, calls: () => number): Promise<void> {
  expect(calls()).toBe(0);
  const usage = (await (await fetch(`${url}/v1/usage`, { headers: auth })).json()) as { total: { requests: number; documents: number } };
  expect(usage.total).toMatchObject({ requests: 0, documents: 0 });
}

describe('object documents cost only what the body holds', () => {
  it('refuses rank_fields repeating one field 100,000 times over 60 documents (a 560 KB body), and stays up', async () => {
    await withApp({ limits: { quota: { requests: 1 } } }, async (url) => {
      await spendQuota(url);
      const documents = Array.from({ length: 60 }, () => ({ a: 'x'.repeat(1000) }));
      const response = await post(url, { model: MODEL, query: 'q', documents, rank_fields: Array(100_000).fill('a') });
      // Past the body's item count before it is parsed; 101 names already get 400 rank_fields.
      expect(response.status).toBe(413);
      expect((await errorOf(response)).message).toMatch(/more than 100000 items/);
      await healthy(url);
      const fewer = await post(url, { model: MODEL, query: 'q', documents, rank_fields: Array(101).fill('a') });
      expect(fewer.status).toBe(400);
      expect((await errorOf(fewer)).message).toContain('rank_fields');
    });
  });

  it(`refuses 1,000 empty object documents with rank_fields of 1,000,000 names (5 MB) with 413, not a 402 after the loop, holding the loop under ${LOOP_BOUND_MS} ms`, async () => {
    await withApp({ limits: { quota: { requests: 1 } } }, async (url) => {
      await spendQuota(url);
      const body = JSON.stringify({ model: MODEL, query: 'q', documents: Array(1000).fill({}), rank_fields: Array(1_000_000).fill('a') });
      const { response, heldMs } = await postWhileProbing(url, body);
      // A million names are refused before parsing (parsing them alone held the loop over 100 ms).
      expect(response.status).toBe(413);
      expect((await errorOf(response)).code).toBe('payload_too_large');
      expect(heldMs).toBeLessThanOrEqual(LOOP_BOUND_MS);
    });
  });

  it('refuses an object document nested 100,000 deep with 400 before ranking, where it was a 500: nothing charged, nothing run', async () => {
    const { reranker, calls } = countingReranker();
    await withApp({ reranker, limits: { quota: { documents: 100 } } }, async (url) => {
      const depth = 100_000;
      const document = `{"text":"t","deep":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
      const response = await post(url, `{"model":"${MODEL}","query":"q","return_documents":true,"documents":[${document}]}`);
      expect(response.status).toBe(400);
      expect((await errorOf(response)).code).toBe('invalid_documents');
      await expectNothingChargedOrRun(url, calls);
    });
  });

  it(`refuses a 5 MB body of 2.5 M nested brackets with 400 at once, holding the loop under ${LOOP_BOUND_MS} ms: nothing charged, nothing run`, async () => {
    const { reranker, calls } = countingReranker();
    await withApp({ reranker, limits: { quota: { documents: 100 } } }, async (url) => {
      const depth = 2_500_000;
      const { response, heldMs, tookMs } = await postWhileProbing(url, `{"model":"${MODEL}","query":"q","documents":[${'['.repeat(depth)}${']'.repeat(depth)}]}`);
      expect(response.status).toBe(400);
      expect((await errorOf(response)).code).toBe('invalid_documents');
      expect(heldMs).toBeLessThanOrEqual(LOOP_BOUND_MS);
      // Parsing it took seconds; the answer now comes after the upload and one pass over the text.
      expect(tookMs).toBeLessThan(withinMs(1000));
      await expectNothingChargedOrRun(url, calls);
    });
  });

  it('ranks a document nested exactly as deep as allowed: the body check leaves the documents their full depth', async () => {
    const depth = MAX_DOCUMENT_DEPTH;
    const document = `{"text":"t","deep":${'['.repeat(depth - 1)}1${']'.repeat(depth - 1)}}`;
    const response = await post(server.url, `{"model":"${MODEL}","query":"q","return_documents":true,"documents":[${document}]}`);
    expect(response.status).toBe(200);
    const deeper = `{"text":"t","deep":${'['.repeat(depth)}1${']'.repeat(depth)}}`;
    expect((await errorOf(await post(server.url, `{"model":"${MODEL}","query":"q","documents":[${deeper}]}`))).code).toBe('invalid_documents');
  });

  it('ranks on a document’s own fields only: naming constructor or toString adds nothing', async () => {
    const documents = [{ a: 'alpha beta' }, { a: 'gamma' }];
    const plain = (await (await post(server.url, { model: MODEL, query: 'q', documents, rank_fields: ['a'] })).json()) as RerankResponse;
    const inherited = (await (await post(server.url, { model: MODEL, query: 'q', documents, rank_fields: ['constructor', 'a', 'toString'] })).json()) as RerankResponse;
    expect(inherited.usage.total_tokens).toBe(plain.usage.total_tokens);
    expect(inherited.results).toEqual(plain.results);
  });

  it('quotes a short piece of a 16 KB Content-Encoding in its 415, not all of it', async () => {
    const response = await fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'x'.repeat(16_000) }, body: '{}' });
    expect(response.status).toBe(415);
    expect((await response.text()).length).toBeLessThan(1000);
  });

  it('quotes a short piece of a 4 MB model name in its 400, not all of it', async () => {
    const response = await post(server.url, { model: 'm'.repeat(4_000_000), query: 'q', documents: ['d'] });
    expect(response.status).toBe(400);
    expect((await response.text()).length).toBeLessThan(1000);
  });
});

describe('charged for what was computed', () => {
  /**
   * The real engine, with a client that goes away once the first batch is scored: the signal the
   * server passes down fires then, as it does when the connection closes.
   */
  function abandonedAfterFirstBatch(client: AbortController): Reranker {
    return fakeReranker({
      info: () => server.reranker.info(),
      dispose: async () => undefined,
      rerank(request, options = {}) {
        const gone = new AbortController();
        const signal = options.signal ? AbortSignal.any([options.signal, gone.signal]) : gone.signal;
        return server.reranker.rerank(request, {
          ...options,
          signal,
          onScored(windows) {
            options.onScored?.(windows);
            client.abort();
            gone.abort();
          },
        });
      },
    });
  }

  it('charges a cancelled request for the windows scored before the cancel, not nothing and not all', async () => {
    const documents = Array.from({ length: 1000 }, (_, index) => `document ${index}`);
    const clients = Array.from({ length: 3 }, () => new AbortController());
    let turn = 0;
    const reranker: Reranker = fakeReranker({
      info: () => server.reranker.info(),
      dispose: async () => undefined,
      rerank: (request, options) => abandonedAfterFirstBatch(clients[turn++] as AbortController).rerank(request, options),
    });
    const metrics = createPrometheusMetrics({ reranker });
    await withApp({ reranker, metrics, limits: { quota: { documents: 1000 } } }, async (url) => {
      await expect(post(url, { model: MODEL, query: 'q', documents }, clients[0]?.signal)).rejects.toThrow();
      // The cancelled request scored its first window before the client left: 999 are left. (New
      // texts: windows answered from the score cache are billed too, and would be counted here.)
      const fresh = documents.slice(1).map((text) => `another ${text}`);
      const rest = await post(url, { model: MODEL, query: 'q', documents: fresh }, clients[1]?.signal).catch(() => undefined);
      expect(rest).toBeUndefined();
      const refused = await post(url, { model: MODEL, query: 'q', documents: documents.slice(0, 999) });
      expect(refused.status).toBe(402);
      expect((await post(url, { model: MODEL, query: 'q', documents: documents.slice(0, 998) })).status).not.toBe(402);
      // The model time the three abandoned requests took shows in the inference metrics.
      expect(await metrics.render()).toMatch(/^webrerank_inference_duration_seconds_count\{dialect="hosted"\} 3$/m);
    });
  });

  it(`refuses max_chunks_per_doc 1e9 with 400 naming the maximum`, async () => {
    const response = await post(server.url, { model: MODEL, query: 'q', documents: ['word '.repeat(100_000)], max_chunks_per_doc: 1e9 });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('invalid_max_chunks_per_doc');
    expect(error.message).toMatch(/at most \d+/);
  });

  it('bills windows, not documents: search_units and the quota count each chunk of a long document', async () => {
    const long = Array.from({ length: 40 }, (_, index) => `${index} ${'many words here '.repeat(200)}`);
    const short = Array.from({ length: 40 }, (_, index) => `short ${index}`);
    await withApp({ limits: { quota: { documents: 250 } } }, async (url) => {
      const chunked = await post(url, { model: MODEL, query: 'q', documents: long, max_chunks_per_doc: 5 });
      expect(chunked.status).toBe(200);
      const body = (await chunked.json()) as { meta: { billed_units: { search_units: number } } };
      // 40 documents of 5 windows each: 200 windows, two search units of 100.
      expect(body.meta.billed_units.search_units).toBe(2);
      expect((await post(url, { model: MODEL, query: 'q', documents: short })).status).toBe(200);
      expect((await post(url, { model: MODEL, query: 'q', documents: short })).status).toBe(402);
    });
  });
});
