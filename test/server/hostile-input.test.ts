/**
 * Requests built to hurt the server, each one a reproduction: small bodies whose object documents
 * would grow past the heap, loops that would hold the event loop, cancels that would be refunded
 * after the model ran, chunk counts that would run thousands of windows for one document's price,
 * and values that would be echoed whole. Each is refused (or charged) before it can do harm, and
 * the server keeps answering.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fakeReranker } from '../support/scores.js';
import type { RerankResponse } from '../../src/core/contract.js';
import type { Reranker } from '../../src/core/reranker.js';
import { createServerApp, type ServerAppOptions } from '../../src/server/app.js';
import { createPrometheusMetrics } from '../../src/server/node/metrics.js';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';
import { startFaultServer } from '../support/fault-server.js';
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

describe('object documents cost only what the body holds', () => {
  it('refuses rank_fields repeating one field 100,000 times over 60 documents (a 560 KB body) with 400, and stays up', async () => {
    await withApp({ limits: { quota: { requests: 1 } } }, async (url) => {
      await spendQuota(url);
      const documents = Array.from({ length: 60 }, () => ({ a: 'x'.repeat(1000) }));
      const response = await post(url, { model: MODEL, query: 'q', documents, rank_fields: Array(100_000).fill('a') });
      expect(response.status).toBe(400);
      expect((await errorOf(response)).message).toContain('rank_fields');
      await healthy(url);
    });
  });

  it('refuses 1,000 empty object documents with rank_fields of 1,000,000 names (5 MB) with 400, not a 402 after the loop', async () => {
    await withApp({ limits: { quota: { requests: 1 } } }, async (url) => {
      await spendQuota(url);
      const body = JSON.stringify({ model: MODEL, query: 'q', documents: Array(1000).fill({}), rank_fields: Array(1_000_000).fill('a') });
      const [response] = await Promise.all([post(url, body), healthy(url)]);
      expect(response.status).toBe(400);
      expect((await errorOf(response)).code).toBe('invalid_request');
    });
  });

  it('refuses an object document nested 100,000 deep with 400 before ranking, where it was a 500', async () => {
    const depth = 100_000;
    const document = `{"text":"t","deep":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const response = await post(server.url, `{"model":"${MODEL}","query":"q","return_documents":true,"documents":[${document}]}`);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe('invalid_documents');
  });

  it('ranks on a document’s own fields only: naming constructor or toString adds nothing', async () => {
    const documents = [{ a: 'alpha beta' }, { a: 'gamma' }];
    const plain = (await (await post(server.url, { model: MODEL, query: 'q', documents, rank_fields: ['a'] })).json()) as RerankResponse;
    const inherited = (await (await post(server.url, { model: MODEL, query: 'q', documents, rank_fields: ['constructor', 'a', 'toString'] })).json()) as RerankResponse;
    expect(inherited.usage.total_tokens).toBe(plain.usage.total_tokens);
    expect(inherited.results).toEqual(plain.results);
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

describe('keys', () => {
  it('answers 429 with Retry-After to an address after a burst of wrong keys; valid keys never count toward it', async () => {
    const keyed = await startServer({ engine: { modelPath, maxLength: 64 }, apiKeys: [KEY], port: 0, log: () => undefined, metrics: false });
    try {
      await keyed.ready;
      const attempt = (key: string) => fetch(`${keyed.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      for (let index = 0; index < 30; index++) expect((await attempt(KEY)).status).toBe(200);
      const statuses: number[] = [];
      for (let guess = 0; guess < 25; guess++) statuses.push((await attempt(`sk-guess-${guess}`)).status);
      expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
      expect(statuses.slice(-3)).toEqual([429, 429, 429]);
      const limited = await attempt('sk-guess-again');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await keyed.close();
    }
  });
});

describe('proxy mode', () => {
  it('does not follow an upstream redirect: one upstream request, a 502 naming the status, no address', async () => {
    const faults = await startFaultServer(server.reranker);
    const edge = await startServer({ upstream: { baseUrl: faults.url, retries: 3, retryDelayMs: 1 }, port: 0, log: () => undefined, metrics: false });
    try {
      faults.script({ kind: 'respond', status: 307, body: '', headers: { location: `${faults.url}/v1/rerank` } });
      const response = await fetch(`${edge.url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, query: 'q', documents: ['d'] }) });
      expect(response.status).toBe(502);
      const text = await response.text();
      expect(text).toContain('307');
      expect(text).not.toContain('127.0.0.1');
      expect(faults.requests).toHaveLength(1);
    } finally {
      await Promise.all([edge.close(), faults.close()]);
    }
  });

  it('names an unreachable upstream by its label, never by its internal address', async () => {
    const faults = await startFaultServer(server.reranker);
    const gone = faults.url;
    await faults.close();
    const edge = await startServer({ upstream: { baseUrl: gone, retries: 0, label: 'ranking backend' }, port: 0, log: () => undefined, metrics: false });
    try {
      const response = await fetch(`${edge.url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, query: 'q', documents: ['d'] }) });
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(text).toContain('ranking backend');
      expect(text).not.toContain(new URL(gone).host);
    } finally {
      await edge.close();
    }
  });
});
