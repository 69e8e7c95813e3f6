/**
 * `webrerank serve`'s server over real HTTP on 127.0.0.1, answered by the real engine on the
 * generated stand-in model: the hosted API's own examples, auth, limits and every error status.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadCrossEncoder, type CrossEncoderLoader } from '../../src/engine/cross-encoder.js';
import type { RerankResponse } from '../../src/core/contract.js';
import type { Reranker } from '../../src/core/reranker.js';
import { createServerApp, type ServerAppOptions } from '../../src/server/app.js';
import { loadApiKeys, startServer, type RunningServer } from '../../src/server/node/node-server.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { serveApp, type ServedApp } from '../support/serve-app.js';
import { failOnUnhandledRejections } from '../support/unhandled-rejections.js';
import { fakeReranker, scoreOf } from '../support/scores.js';

const modelPath = inject('tinyModelDir');
/** The id the tiny stand-in is served as: its own, never the real model's. */
const STANDIN_ID = 'webrerank/standin-tiny';
const ALPHA = 'sk-alpha-7f3a9c';
const BETA = 'sk-beta-22e8d1';
const HOSTED_URL = 'https://api.apertis.ai';

failOnUnhandledRejections();

let server: RunningServer;
const logs: string[] = [];

beforeAll(async () => {
  const apiKeys = await loadApiKeys({ WEBRERANK_API_KEYS: `${ALPHA}, ${BETA}` });
  server = await startServer({ engine: { modelPath }, apiKeys, port: 0, log: (line) => logs.push(line) });
  await server.ready;
});
afterAll(() => server.close());

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/rerank`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { status: number; code: string; message: string } };
  expect(body.error.status).toBe(response.status);
  return body.error;
}

function expectRanking(response: RerankResponse, documents: number): void {
  expect(response.results.map((result) => result.index).sort()).toEqual([...Array(documents).keys()]);
  for (const result of response.results) {
    expect(result.relevance_score).toBeGreaterThan(0);
    expect(result.relevance_score).toBeLessThan(1);
  }
  const scores = response.results.map(scoreOf);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
}

describe("the hosted API's documented examples, pointed at webrerank serve", () => {
  it('answers the curl example verbatim: 200, four results, a permutation of 0..3, scores in (0, 1), highest first', async () => {
    const example = await readFile('test/fixtures/hosted-api/curl-example.sh', 'utf8');
    const command = example.replace(HOSTED_URL, server.url).replace('<APERTIS_API_KEY>', BETA);
    const { stdout } = await promisify(execFile)('/bin/sh', ['-c', `${command.trim()} --silent --show-error --write-out '\\n%{http_code}'`]);
    const [body, status] = [stdout.slice(0, stdout.lastIndexOf('\n')), stdout.slice(stdout.lastIndexOf('\n') + 1)];
    expect(status).toBe('200');
    const response = JSON.parse(body) as RerankResponse;
    expectRanking(response, 4);
    // The example names the real model; the stand-in answers under its own id (and warns).
    expect(response.model).toBe(STANDIN_ID);
    expect(response.usage.total_tokens).toBeGreaterThan(0);
    // Where it ran, and Cohere v1's meta beside it.
    expect(response.meta).toMatchObject({ backend: 'cpu', dtype: 'q8', api_version: { version: '1' }, billed_units: { search_units: 1 } });
  });

  it('answers the JavaScript fetch example verbatim, which prints one line per document', async () => {
    const example = await readFile('test/fixtures/hosted-api/fetch-example.js', 'utf8');
    const code = example.replace(HOSTED_URL, server.url).replace('YOUR_API_KEY', ALPHA);
    const printed: string[] = [];
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (console: Pick<Console, 'log'>) => Promise<void>;
    await new AsyncFunction('console', code)({ log: (line: string) => printed.push(line) });
    expect(printed).toHaveLength(4);
    for (const line of printed) expect(line).toMatch(/^Document [0-3]: score=0\.\d{4}$/);
    expect(printed.map((line) => line[9]).sort()).toEqual(['0', '1', '2', '3']);
  });
});

describe('POST /v1/rerank', () => {
  it('honours top_n and return_documents', async () => {
    const response = await post(server.url, { ...HOSTED_EXAMPLE, top_n: 2, return_documents: true }, bearer(ALPHA));
    const body = (await response.json()) as RerankResponse;
    expect(body.results).toHaveLength(2);
    for (const result of body.results) expect(result.document?.text).toBe(HOSTED_EXAMPLE.documents[result.index]);
  });

  it('refuses a request without an Authorization header with 401', async () => {
    const response = await post(server.url, HOSTED_EXAMPLE);
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe('unauthorized');
  });

  it('refuses a wrong key with 401, and never echoes it', async () => {
    const response = await post(server.url, HOSTED_EXAMPLE, bearer('sk-not-a-key'));
    expect(response.status).toBe(401);
    const error = await errorOf(response);
    expect(error.code).toBe('unauthorized');
    expect(JSON.stringify(error)).not.toContain('sk-not-a-key');
  });

  it('refuses a key sent without the Bearer scheme', async () => {
    expect((await post(server.url, HOSTED_EXAMPLE, { Authorization: ALPHA })).status).toBe(401);
  });

  it('refuses "documents": [] with 400 empty_documents', async () => {
    const response = await post(server.url, { ...HOSTED_EXAMPLE, documents: [] }, bearer(ALPHA));
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe('empty_documents');
  });

  it('refuses a body that is not JSON with 400 invalid_request', async () => {
    const response = await post(server.url, '{"model": "BAAI/bge-reranker-v2-m3", "query": ', bearer(ALPHA));
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(/not valid JSON/);
  });

  it.each([
    ['a missing query', { model: HOSTED_EXAMPLE.model, documents: ['a'] }, 'invalid_request'],
    ['a non-string document', { ...HOSTED_EXAMPLE, documents: ['a', 7] }, 'invalid_documents'],
    ['a negative top_n', { ...HOSTED_EXAMPLE, top_n: -1 }, 'invalid_top_n'],
    ['an empty query', { ...HOSTED_EXAMPLE, query: ' ' }, 'empty_query'],
  ])('refuses %s with 400 and the library’s code', async (_name, body, code) => {
    const response = await post(server.url, body, bearer(ALPHA));
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe(code);
  });

  it('refuses an unknown model with 400, listing the served models', async () => {
    const response = await post(server.url, { ...HOSTED_EXAMPLE, model: 'cohere/rerank-v3' }, bearer(ALPHA));
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('unknown_model');
    expect(error.message).toContain(STANDIN_ID);
  });

  it('refuses a body over the default 5 MB limit with 413, by Content-Length', async () => {
    const huge = JSON.stringify({ ...HOSTED_EXAMPLE, documents: ['x'.repeat(5 * 1024 * 1024)] });
    const response = await post(server.url, huge, bearer(ALPHA));
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe('payload_too_large');
    await expectConnectionClosedAndNextRequestAnswered(response);
  });

  it('refuses a streamed (chunked) body over the limit with 413, counting the bytes received', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(1024 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: bearer(ALPHA), body: stream, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe('payload_too_large');
    await expectConnectionClosedAndNextRequestAnswered(response);
  });

  /**
   * The server reads a refused body to its end (within a bound) before answering, so the client
   * hears the 413; then it closes the connection, and the client's next requests are answered.
   */
  async function expectConnectionClosedAndNextRequestAnswered(refused: Response): Promise<void> {
    expect(refused.headers.get('connection')).toBe('close');
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await post(server.url, HOSTED_EXAMPLE, bearer(ALPHA))).status).toBe(200);
    }
  }

  it('answers other methods on /v1/rerank with 405 and unknown paths with 404, as JSON errors', async () => {
    const get = await fetch(`${server.url}/v1/rerank`, { headers: bearer(ALPHA) });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const missing = await fetch(`${server.url}/v3/rerank`, { method: 'POST', headers: bearer(ALPHA) });
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe('invalid_request');
  });
});

describe('GET /v1/models and /health', () => {
  it('lists the served model ids, OpenAI-style, to a caller with a key', async () => {
    expect((await fetch(`${server.url}/v1/models`)).status).toBe(401);
    const response = await fetch(`${server.url}/v1/models`, { headers: bearer(BETA) });
    expect(await response.json()).toEqual({ object: 'list', data: [{ id: STANDIN_ID, object: 'model', created: 0, owned_by: 'webrerank', standin: true }] });
  });

  it('reports ready with 200 once the model has loaded, without a key', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', models: [STANDIN_ID], backend: 'cpu', dtype: 'q8', standin: true });
  });
});

describe('loading and failure', () => {
  it('says 503 loading on /health and 503 model_loading with Retry-After on /v1/rerank until the model is ready', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The real loader, held back until the test lets it go.
    const heldLoader: CrossEncoderLoader = async (...args) => {
      await gate;
      return loadCrossEncoder(...args);
    };
    // A loader is a function, which can't be posted to the engine thread: this server runs in-process.
    const loading = await startServer({ engine: { modelPath, loader: heldLoader, inWorker: false }, port: 0, log: () => undefined });
    try {
      const health = await fetch(`${loading.url}/health`);
      expect(health.status).toBe(503);
      expect(((await health.json()) as { status: string }).status).toBe('loading');

      const early = await post(loading.url, HOSTED_EXAMPLE);
      expect(early.status).toBe(503);
      expect(early.headers.get('retry-after')).toBe('2');
      expect((await errorOf(early)).code).toBe('model_loading');

      release();
      await loading.ready;
      expect((await fetch(`${loading.url}/health`)).status).toBe(200);
      expect((await post(loading.url, HOSTED_EXAMPLE)).status).toBe(200);
    } finally {
      await loading.close();
    }
  });

  it('says 503 failed when the model cannot load, without the loader’s details', async () => {
    const lines: string[] = [];
    const failed = await startServer({ engine: { modelPath: '/nonexistent/webrerank-model' }, port: 0, log: (line) => lines.push(line) });
    try {
      await failed.ready;
      const health = await fetch(`${failed.url}/health`);
      expect(health.status).toBe(503);
      expect(((await health.json()) as { status: string }).status).toBe('failed');

      const response = await post(failed.url, HOSTED_EXAMPLE);
      expect(response.status).toBe(503);
      const error = await errorOf(response);
      expect(error.code).toBe('model_load_failed');
      expect(error.message).not.toContain('nonexistent');
      // The operator does get the reason.
      expect(lines.some((line) => line.startsWith('model failed to load') && line.includes('nonexistent'))).toBe(true);
    } finally {
      await failed.close();
    }
  });

  it('answers an unexpected failure with a generic 500: no message, no stack', async () => {
    const broken: Reranker = fakeReranker({
      rerank: async () => {
        throw new Error('ECONNRESET at /home/ops/secret/internal.ts:42');
      },
      info: async () => ({ backend: 'cpu', dtype: 'q8', state: 'ready', models: ['BAAI/bge-reranker-v2-m3'] }),
      dispose: async () => undefined,
    });
    const lines: string[] = [];
    const served = await serveApp(createServerApp({ reranker: broken, log: (line) => lines.push(line) }));
    try {
      const response = await post(served.url, HOSTED_EXAMPLE);
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ error: { status: 500, code: 'internal_error', message: 'Internal server error.' } });
      expect(lines.some((line) => line.includes('/home/ops/secret'))).toBe(true);
    } finally {
      await served.close();
    }
  });
});

describe('per-key limits', () => {
  let served: ServedApp;
  let clock = 0;

  async function withApp(options: Omit<ServerAppOptions, 'reranker'>, run: (url: string) => Promise<void>): Promise<void> {
    served = await serveApp(createServerApp({ reranker: server.reranker, auth: { apiKeys: [ALPHA, BETA] }, now: () => clock, ...options }));
    try {
      await run(served.url);
    } finally {
      await served.close();
    }
  }

  it('answers 402 once a key has used its request quota; other keys are unaffected; refused requests cost nothing', async () => {
    await withApp({ limits: { quota: { requests: 2 } } }, async (url) => {
      expect((await post(url, { ...HOSTED_EXAMPLE, documents: [] }, bearer(ALPHA))).status).toBe(400);
      expect((await post(url, HOSTED_EXAMPLE, bearer(ALPHA))).status).toBe(200);
      expect((await post(url, HOSTED_EXAMPLE, bearer(ALPHA))).status).toBe(200);
      const exhausted = await post(url, HOSTED_EXAMPLE, bearer(ALPHA));
      expect(exhausted.status).toBe(402);
      expect((await errorOf(exhausted)).code).toBe('quota_exceeded');
      expect((await post(url, HOSTED_EXAMPLE, bearer(BETA))).status).toBe(200);
    });
  });

  it('answers 402 when a request would take a key past its document quota', async () => {
    await withApp({ limits: { quota: { documents: 6 } } }, async (url) => {
      expect((await post(url, HOSTED_EXAMPLE, bearer(ALPHA))).status).toBe(200);
      expect((await post(url, HOSTED_EXAMPLE, bearer(ALPHA))).status).toBe(402);
      expect((await post(url, { ...HOSTED_EXAMPLE, documents: HOSTED_EXAMPLE.documents.slice(0, 2) }, bearer(ALPHA))).status).toBe(200);
    });
  });

  it('answers 429 with Retry-After past the rate limit, per key, and lets the key in again once the bucket refills', async () => {
    clock = 0;
    await withApp({ limits: { rateLimit: { requestsPerSecond: 1, burst: 2 } } }, async (url) => {
      expect((await post(url, HOSTED_EXAMPLE, bearer(ALPHA))).status).toBe(200);
      expect((await post(url, HOSTED_EXAMPLE, bearer(ALPHA))).status).toBe(200);
      const limited = await post(url, HOSTED_EXAMPLE, bearer(ALPHA));
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('1');
      const error = await errorOf(limited);
      expect(error.code).toBe('rate_limited');
      expect((await post(url, HOSTED_EXAMPLE, bearer(BETA))).status).toBe(200);
      clock += 1_000;
      expect((await post(url, HOSTED_EXAMPLE, bearer(ALPHA))).status).toBe(200);
    });
  });

  it('applies a configured body limit', async () => {
    await withApp({ limits: { maxBodyBytes: 100 } }, async (url) => {
      expect((await post(url, { ...HOSTED_EXAMPLE, documents: ['x'.repeat(200)] }, bearer(ALPHA))).status).toBe(413);
    });
  });
});

describe('the cap on pending reranks', () => {
  it('answers 503 server_busy with Retry-After past --max-pending, and serves again once a rerank ends', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const firstStarted = new Promise<void>((resolve) => (started = resolve));
    // The real engine, with the first rerank held until the test lets it go.
    const held: Reranker = fakeReranker({
      info: () => server.reranker.info(),
      dispose: async () => undefined,
      rerank: async (request, options) => {
        started();
        await gate;
        return server.reranker.rerank(request, options);
      },
    });
    const served = await serveApp(createServerApp({ reranker: held, limits: { maxPending: 1 } }));
    try {
      const first = post(served.url, HOSTED_EXAMPLE);
      await firstStarted;
      const busy = await post(served.url, HOSTED_EXAMPLE);
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('1');
      expect((await errorOf(busy)).code).toBe('server_busy');

      release();
      expect((await first).status).toBe(200);
      expect((await post(served.url, HOSTED_EXAMPLE)).status).toBe(200);
    } finally {
      await served.close();
    }
  });
});

describe('CORS', () => {
  it('sends no CORS headers by default', async () => {
    const response = await fetch(`${server.url}/v1/rerank`, { method: 'OPTIONS', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers preflights from allowed origins only, and exposes Retry-After and the warning header', async () => {
    const served = await serveApp(createServerApp({ reranker: server.reranker, auth: { apiKeys: [ALPHA] }, cors: { origins: ['https://app.example.com'] } }));
    try {
      const preflight = (origin: string) =>
        fetch(`${served.url}/v1/rerank`, {
          method: 'OPTIONS',
          headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
        });
      const allowed = await preflight('https://app.example.com');
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(allowed.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      expect((await preflight('https://evil.example.net')).headers.get('access-control-allow-origin')).toBeNull();

      const answer = await post(served.url, HOSTED_EXAMPLE, { ...bearer(ALPHA), Origin: 'https://app.example.com' });
      expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(answer.headers.get('access-control-expose-headers')).toBe('Retry-After,X-Request-Id,Webrerank-Warning');
    } finally {
      await served.close();
    }
  });
});

describe('the request log', () => {
  it('has one line per request — method, path, status, ms — and never a key or a body', () => {
    const requestLines = logs.filter((line) => /^(GET|POST|OPTIONS|PUT) /.test(line));
    expect(requestLines.length).toBeGreaterThan(10);
    for (const line of requestLines) expect(line).toMatch(/^(GET|POST|OPTIONS) \/[\w/.-]* \d{3} \d+ms id=[0-9a-f-]{36}$/);
    for (const line of logs) {
      expect(line).not.toContain(ALPHA);
      expect(line).not.toContain(BETA);
      expect(line).not.toContain('Machine learning');
    }
  });
});
