/**
 * `POST /v1/rerank` with `Accept: text/event-stream` through `webrerank serve` (the engine in its
 * thread), read by fetch, by Python's httpx and by the remote client; `budget_ms` and the score
 * cache's count over HTTP.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STANDIN_WARNING } from '../../src/core/standin.js';
import type { RerankRequest } from '../../src/core/contract.js';
import type { RerankStreamItem } from '../../src/core/reranker.js';
import { createRemoteReranker } from '../../src/remote/remote-reranker.js';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';
import { mixedDocuments } from '../kit/documents.js';
import { expectGrowingPartials } from '../support/stream.js';
import { failOnUnhandledRejections } from '../support/unhandled-rejections.js';

const modelPath = inject('tinyModelDir');
const run = promisify(execFile);
const MODEL = 'BAAI/bge-reranker-v2-m3';

failOnUnhandledRejections();

let server: RunningServer;
let cachingServer: RunningServer;
const documents = mixedDocuments(24, 4, 200, 61);
const body: RerankRequest = { model: MODEL, query: 'machine learning models', documents };

beforeAll(async () => {
  // q8 runs one pair per batch: many partials. No cache, so every answer is computed.
  [server, cachingServer] = await Promise.all([
    startServer({ engine: { modelPath, dtype: 'q8', scoreCacheBytes: 0 }, port: 0, log: () => undefined }),
    startServer({ engine: { modelPath, dtype: 'q8' }, port: 0, log: () => undefined }),
  ]);
  await Promise.all([server.ready, cachingServer.ready]);
});
afterAll(async () => {
  await Promise.all([server.close(), cachingServer.close()]);
});

interface SentEvent {
  event: string;
  data: Record<string, unknown>;
}

/** A whole event-stream body as events, read the plain way (blank-line separated blocks). */
function parseEvents(text: string): SentEvent[] {
  return text
    .split(/\n\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

function post(url: string, payload: unknown, accept?: string): Promise<Response> {
  return fetch(`${url}/v1/rerank`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...(accept ? { Accept: accept } : {}) }, body: JSON.stringify(payload) });
}

/** Without the volatile request id. */
function withoutId(response: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, ...rest } = response;
  return rest;
}

/** Partial events grow, each ranks exactly its scored documents; the last event is `done`. */
function expectGrowingStream(events: SentEvent[], total: number): void {
  expect(events.at(-1)?.event).toBe('done');
  const partials = events.slice(0, -1);
  expect(partials.length).toBeGreaterThan(1);
  let scored = 0;
  for (const { event, data } of partials) {
    expect(event).toBe('partial');
    expect(data.done).toBe(false);
    expect(data.total).toBe(total);
    expect(data.scored as number).toBeGreaterThan(scored);
    scored = data.scored as number;
    expect((data.results as unknown[]).length).toBe(scored);
  }
}

describe('POST /v1/rerank as an event stream', () => {
  it('streams partial events, then one done event carrying the ordinary response (fetch)', async () => {
    const plain = (await (await post(server.url, body)).json()) as Record<string, unknown>;
    const response = await post(server.url, body, 'text/event-stream');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseEvents(await response.text());
    expectGrowingStream(events, documents.length);
    expect(withoutId(events.at(-1)?.data as Record<string, unknown>)).toEqual(withoutId(plain));
  });

  it('answers as before without the Accept header', async () => {
    const response = await post(server.url, body, 'application/json');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await response.json()) as { results: unknown[] }).results).toHaveLength(documents.length);
  });

  it('refuses a bad request with its ordinary JSON error and status, not a stream', async () => {
    const response = await post(server.url, { ...body, documents: [] }, 'text/event-stream');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('empty_documents');
  });

  it('is read as it arrives by Python httpx (Debian python3-httpx)', async () => {
    const script = [
      'import httpx, sys, json',
      'events = []',
      'with httpx.stream("POST", sys.argv[1] + "/v1/rerank", json=json.loads(sys.argv[2]), headers={"Accept": "text/event-stream"}, timeout=120) as r:',
      '    name = None',
      '    for line in r.iter_lines():',
      '        line = line.rstrip("\\r\\n")',
      '        if line.startswith("event: "): name = line[7:]',
      '        elif line.startswith("data: "): events.append({"event": name, "data": json.loads(line[6:])})',
      'print(json.dumps(events))',
    ].join('\n');
    const { stdout } = await run('/usr/bin/python3', ['-c', script, server.url, JSON.stringify(body)], { maxBuffer: 16 * 1024 * 1024 });
    const events = JSON.parse(stdout) as SentEvent[];
    expectGrowingStream(events, documents.length);
    expect((events.at(-1)?.data.results as unknown[]).length).toBe(documents.length);
  });

  it('streams to the curl command in docs/API.md', async () => {
    const docs = await readFile(new URL('../../docs/API.md', import.meta.url), 'utf8');
    const block = /### Streaming[\s\S]*?```sh\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(block).toBeDefined();
    const { stdout } = await run('sh', ['-c', (block as string).replaceAll('http://127.0.0.1:8080', server.url)]);
    const events = parseEvents(stdout);
    expect(events.map((event) => event.event)).toEqual(['partial', 'done']);
    expect((events[1]?.data.results as unknown[]).length).toBe(2);
  });

  it('leaves documents past budget_ms without a score, listed in meta.unscored', async () => {
    const response = (await (await post(server.url, { ...body, budget_ms: 0 })).json()) as { results: Record<string, unknown>[]; meta: { unscored: number[] } };
    expect(response.meta.unscored).toEqual([...documents.keys()]);
    expect(response.results.map((result) => result.index)).toEqual([...documents.keys()]);
    for (const result of response.results) expect(result).not.toHaveProperty('relevance_score');
  });
});

describe('the remote client against webrerank serve', () => {
  it('streams growing partials and ends with what rerank() answers', async () => {
    const remote = createRemoteReranker({ baseUrl: server.url });
    const items: RerankStreamItem[] = [];
    for await (const item of remote.rerankStream(body)) items.push(item);
    expect(items.length).toBeGreaterThan(2);
    expectGrowingPartials(items, documents.length);
    const { scored: _scored, total: _total, done, ...final } = items.at(-1) as RerankStreamItem & { done: true };
    expect(done).toBe(true);
    expect(final).toEqual(await remote.rerank(body));
    // The stand-in says so through the server; nothing else is added to the meta.
    expect(final.meta).toEqual({ backend: 'remote', warnings: [STANDIN_WARNING] });
  });

  it('ends the stream with an AbortError when the caller aborts', async () => {
    const remote = createRemoteReranker({ baseUrl: server.url });
    const controller = new AbortController();
    const iterator = remote.rerankStream({ ...body, documents: mixedDocuments(60, 50, 200, 62) }, { signal: controller.signal })[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.done).toBe(false);
    controller.abort();
    await expect(iterator.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect((await remote.rerank(body)).results).toHaveLength(documents.length);
  });

  it('passes on meta.cached and meta.unscored from the server', async () => {
    const remote = createRemoteReranker({ baseUrl: cachingServer.url });
    await remote.rerank(body);
    expect((await remote.rerank(body)).meta).toEqual({ backend: 'remote', warnings: [STANDIN_WARNING], cached: documents.length });
    expect((await remote.rerank({ ...body, budget_ms: 0 })).meta).toEqual({ backend: 'remote', warnings: [STANDIN_WARNING], cached: documents.length, unscored: [] });
  });
});
