/**
 * What a rerank is billed, over real sockets with the real engine on the stand-in model: every
 * window that answers it — scored by the model or taken from the score cache — whatever ran
 * before it, so a key's usage doesn't depend on other requests; none for what a time budget left
 * unscored; what was done when the client hangs up mid-rerank; and, in proxy mode, one window per
 * document once the upstream has the request. `/v1/usage` and the per-key metric agree.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';
import { mixedDocuments } from '../kit/documents.js';
import { startFaultServer } from '../support/fault-server.js';

const modelPath = inject('tinyModelDir');
const MODEL = 'BAAI/bge-reranker-v2-m3';
const KEYS = ['sk-all-cached', 'sk-part-cached', 'sk-cached-chunks', 'sk-budget', 'sk-cached-budget', 'sk-hang-up', 'sk-hang-up-cached'] as const;
type Key = (typeof KEYS)[number];

let server: RunningServer;
let uncached: RunningServer;

beforeAll(async () => {
  const options = { apiKeys: [...KEYS], port: 0, log: () => undefined } as const;
  [server, uncached] = await Promise.all([
    startServer({ ...options, engine: { modelPath, maxLength: 64 } }),
    startServer({ ...options, engine: { modelPath, maxLength: 64, scoreCacheBytes: 0 } }),
  ]);
  await Promise.all([server.ready, uncached.ready]);
});
afterAll(() => Promise.all([server.close(), uncached.close()]));

function post(on: RunningServer, key: Key, body: object, init: { accept?: string; signal?: AbortSignal } = {}): Promise<Response> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...(init.accept ? { accept: init.accept } : {}) };
  return fetch(`${on.url}/v1/rerank`, { method: 'POST', headers, body: JSON.stringify({ model: MODEL, query: 'billing', ...body }), ...(init.signal ? { signal: init.signal } : {}) });
}

interface Answer {
  meta: { cached?: number; unscored?: number[]; billed_units: { search_units: number } };
}

async function rerank(on: RunningServer, key: Key, body: object): Promise<Answer> {
  const response = await post(on, key, body);
  expect(response.status).toBe(200);
  return (await response.json()) as Answer;
}

/** The windows `key` has been billed in all, as `GET /v1/usage` says. */
async function billed(on: RunningServer, key: Key): Promise<number> {
  const response = await fetch(`${on.url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } });
  return ((await response.json()) as { total: { documents: number } }).total.documents;
}

/** The usage once it has stopped moving: an abandoned rerank is settled when the engine notices. */
async function settledBilling(on: RunningServer, key: Key): Promise<number> {
  let last = -1;
  for (let tries = 0; tries < 100; tries++) {
    const now = await billed(on, key);
    if (now === last && now > 0) return now;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}

/** Reads a stream of server-sent events until the first `partial`; returns its data. */
async function firstPartial(response: Response): Promise<{ scored: number; total: number }> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended before a partial: ${text.slice(0, 300)}`);
    text += decoder.decode(value, { stream: true });
    const match = /event: partial\ndata: (.*)\n/.exec(text);
    if (match?.[1]) return JSON.parse(match[1]) as { scored: number; total: number };
  }
}

const documents = (count: number, seed: number) => mixedDocuments(count, 20, 60, seed);

describe('cached windows are billed like scored ones', () => {
  it('bills 10 windows for 10 documents all answered from the cache, as for the same request fresh', async () => {
    const ten = documents(10, 11);
    await rerank(server, 'sk-all-cached', { documents: ten });
    expect(await billed(server, 'sk-all-cached')).toBe(10);
    const again = await rerank(server, 'sk-all-cached', { documents: ten });
    expect(again.meta.cached).toBe(10);
    expect(await billed(server, 'sk-all-cached')).toBe(20);
  });

  it('bills 10 windows for 9 cached documents and 1 new one, not the 1 the model scored', async () => {
    const ten = documents(10, 12);
    await rerank(server, 'sk-part-cached', { documents: ten.slice(0, 9) });
    const before = await billed(server, 'sk-part-cached');
    const mixed = await rerank(server, 'sk-part-cached', { documents: ten });
    expect(mixed.meta.cached).toBe(9);
    expect((await billed(server, 'sk-part-cached')) - before).toBe(10);
  });

  it('bills a cached long document once per window it took, as when it was scored', async () => {
    const long = [`${'many words here '.repeat(200)} one`, `${'other words there '.repeat(200)} two`];
    const fresh = await rerank(server, 'sk-cached-chunks', { documents: long, max_chunks_per_doc: 3 });
    const first = await billed(server, 'sk-cached-chunks');
    expect(first).toBe(6);
    const again = await rerank(server, 'sk-cached-chunks', { documents: long, max_chunks_per_doc: 3 });
    expect(again.meta.cached).toBe(2);
    expect(again.meta.billed_units).toEqual(fresh.meta.billed_units);
    expect(await billed(server, 'sk-cached-chunks')).toBe(2 * first);
  });
});

describe('a time budget bills what it answered', () => {
  it('bills nothing for budget_ms 0 with nothing cached: every document is left unscored', async () => {
    const answer = await rerank(uncached, 'sk-budget', { documents: documents(10, 13), budget_ms: 0 });
    expect(answer.meta.unscored).toHaveLength(10);
    expect(await billed(uncached, 'sk-budget')).toBe(0);
  });

  it('bills the cached part of a budget_ms 0 request, not its unscored documents', async () => {
    const ten = documents(10, 14);
    await rerank(server, 'sk-cached-budget', { documents: ten.slice(0, 4) });
    const before = await billed(server, 'sk-cached-budget');
    const partial = await rerank(server, 'sk-cached-budget', { documents: ten, budget_ms: 0 });
    expect(partial.meta.cached).toBe(4);
    expect(partial.meta.unscored).toHaveLength(6);
    expect((await billed(server, 'sk-cached-budget')) - before).toBe(10 - 6);
  });
});

describe('a client that hangs up mid-rerank', () => {
  it('is billed the windows scored before it left, over a real socket, and the metrics say the same', async () => {
    const client = new AbortController();
    const response = await post(uncached, 'sk-hang-up', { documents: documents(1000, 15) }, { accept: 'text/event-stream', signal: client.signal });
    const partial = await firstPartial(response);
    client.abort();
    const windows = await settledBilling(uncached, 'sk-hang-up');
    expect(windows).toBeGreaterThanOrEqual(partial.scored);
    expect(windows).toBeLessThan(1000);
    const metrics = await (await fetch(`${uncached.url}/metrics`)).text();
    expect(metrics).toContain(`webrerank_key_windows_billed_total{key="key-${KEYS.indexOf('sk-hang-up') + 1}"} ${windows}`);
  });

  it('is billed its cached windows too, although the model scored few of them', async () => {
    const all = documents(1000, 16);
    await rerank(server, 'sk-hang-up-cached', { documents: all.slice(0, 600) });
    const before = await billed(server, 'sk-hang-up-cached');
    const client = new AbortController();
    const response = await post(server, 'sk-hang-up-cached', { documents: all }, { accept: 'text/event-stream', signal: client.signal });
    // The cached documents come first, as a partial of their own, before any batch runs.
    expect((await firstPartial(response)).scored).toBe(600);
    client.abort();
    let windows = before;
    for (let tries = 0; tries < 100 && windows === before; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      windows = await billed(server, 'sk-hang-up-cached');
    }
    expect(windows - before).toBeGreaterThanOrEqual(600);
    expect(windows - before).toBeLessThan(1000);
  });
});

describe('proxy mode', () => {
  it('bills an abandoned request one window per document once the upstream has it, as the upstream bills it', async () => {
    const faults = await startFaultServer(server.reranker);
    const edge = await startServer({ upstream: { baseUrl: faults.url, retries: 0 }, apiKeys: ['sk-edge'], port: 0, log: () => undefined, metrics: false });
    try {
      faults.script({ kind: 'hang' });
      const client = new AbortController();
      const sent = fetch(`${edge.url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-edge' }, body: JSON.stringify({ model: MODEL, query: 'q', documents: documents(7, 17) }), signal: client.signal });
      for (let tries = 0; tries < 100 && faults.requests.length === 0; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(faults.requests).toHaveLength(1);
      client.abort();
      await expect(sent).rejects.toThrow();
      let windows = 0;
      for (let tries = 0; tries < 100 && windows === 0; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        windows = ((await (await fetch(`${edge.url}/v1/usage`, { headers: { authorization: 'Bearer sk-edge' } })).json()) as { total: { documents: number } }).total.documents;
      }
      expect(windows).toBe(7);
    } finally {
      await Promise.all([edge.close(), faults.close()]);
    }
  });
});
