/**
 * Keys and proxy mode under attack, over real sockets: a key guesser is answered 429 after a
 * burst — by its own address, so a valid key from any other address is never slowed, also behind
 * a reverse proxy that says who its clients are; the limit is tuned or turned off from
 * `webrerank serve`'s flags; and an upstream's redirects and address never reach a client.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startServer, type NodeServerOptions, type RunningServer } from '../../src/server/node/node-server.js';
import { startServeProcess } from '../kit/serve-process.js';
import { startFaultServer } from '../support/fault-server.js';

const modelPath = inject('tinyModelDir');
const MODEL = 'BAAI/bge-reranker-v2-m3';
const KEY = 'sk-hostile-test';
/** An upstream nobody listens on: the routes tested here never reach it. */
const NOWHERE = 'http://127.0.0.1:9';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ engine: { modelPath, maxLength: 64 }, port: 0, log: () => undefined, metrics: false });
  await server.ready;
});
afterAll(() => server.close());

/**
 * `GET /v1/models` with `key`, sent from `localAddress` (any 127.x address is this machine), with
 * extra headers; the status and Retry-After.
 */
function models(url: string, key: string, localAddress = '127.0.0.1', headers: Record<string, string> = {}): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const sent = request(`${url}/v1/models`, { localAddress, headers: { authorization: `Bearer ${key}`, ...headers } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] }));
    });
    sent.on('error', reject);
    sent.end();
  });
}

/** Sends `count` wrong keys; their statuses. */
async function guess(url: string, count: number, from?: string, headers?: Record<string, string>): Promise<number[]> {
  const statuses: number[] = [];
  for (let index = 0; index < count; index++) statuses.push((await models(url, `sk-guess-${index}`, from, headers)).status);
  return statuses;
}

async function withServer(options: NodeServerOptions, run: (url: string) => Promise<void>): Promise<void> {
  const started = await startServer({ upstream: { baseUrl: NOWHERE }, apiKeys: [KEY], port: 0, log: () => undefined, metrics: false, ...options });
  try {
    await run(started.url);
  } finally {
    await started.close();
  }
}

describe('failed keys, per client address', () => {
  it('answers 429 with Retry-After to an address after a burst of wrong keys; valid keys never count toward it', async () => {
    await withServer({}, async (url) => {
      for (let index = 0; index < 30; index++) expect((await models(url, KEY)).status).toBe(200);
      const statuses = await guess(url, 25);
      expect(statuses.slice(0, 20).every((status) => status === 401)).toBe(true);
      expect(statuses.slice(-3)).toEqual([429, 429, 429]);
      const limited = await models(url, 'sk-guess-again');
      expect(limited.status).toBe(429);
      expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    });
  });

  it('lets a valid key from another address through while one address is blocked; the blocked address gets 429 even with it', async () => {
    await withServer({}, async (url) => {
      expect((await guess(url, 25, '127.0.0.1')).at(-1)).toBe(429);
      expect((await models(url, KEY, '127.0.0.2')).status).toBe(200);
      expect((await models(url, 'sk-guess-from-elsewhere', '127.0.0.2')).status).toBe(401);
      // A valid key is refused from the blocked address too: were it let through, a guess that
      // turned 200 would tell the guesser it was right, and the block would slow nothing.
      expect((await models(url, KEY, '127.0.0.1')).status).toBe(429);
    });
  });

  it('behind a trusted proxy, blocks the guesser its X-Forwarded-For names, not the proxy and its other clients', async () => {
    await withServer({ trustedProxies: ['127.0.0.1'] }, async (url) => {
      const guesser = { 'x-forwarded-for': '203.0.113.7' };
      expect((await guess(url, 25, '127.0.0.1', guesser)).at(-1)).toBe(429);
      expect((await models(url, KEY, '127.0.0.1', { 'x-forwarded-for': '203.0.113.8' })).status).toBe(200);
      // What the client wrote left of the proxy's own entry is not believed.
      expect((await models(url, 'sk-guess-spoofed', '127.0.0.1', { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' })).status).toBe(429);
    });
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy: a guesser can’t rotate it to escape', async () => {
    await withServer({}, async (url) => {
      const statuses: number[] = [];
      for (let index = 0; index < 25; index++) statuses.push((await models(url, `sk-guess-${index}`, '127.0.0.1', { 'x-forwarded-for': `203.0.113.${index}` })).status);
      expect(statuses.at(-1)).toBe(429);
    });
  });
});

describe('webrerank serve flags for failed keys', () => {
  const serveWith = (flags: string[]) => startServeProcess(['--upstream', NOWHERE, '--port', '0', ...flags], { WEBRERANK_API_KEYS: KEY });

  it('--auth-failure-burst 3 blocks an address once it has spent 3 wrong keys; --auth-failure-rate 0 never does', async () => {
    const [tight, off] = await Promise.all([serveWith(['--auth-failure-burst', '3', '--auth-failure-rate', '0.5']), serveWith(['--auth-failure-rate', '0'])]);
    try {
      // The fourth wrong key finds the burst spent: it is answered, and the address blocked.
      expect(await guess(tight.url, 6)).toEqual([401, 401, 401, 401, 429, 429]);
      expect((await guess(off.url, 40)).every((status) => status === 401)).toBe(true);
      expect((await models(off.url, KEY)).status).toBe(200);
    } finally {
      await Promise.all([tight.stop(), off.stop()]);
    }
  });

  it('--trusted-proxy limits by the client the proxy names', async () => {
    const proxied = await serveWith(['--trusted-proxy', '127.0.0.1', '--auth-failure-burst', '2']);
    try {
      expect(await guess(proxied.url, 4, '127.0.0.1', { 'x-forwarded-for': '203.0.113.7' })).toEqual([401, 401, 401, 429]);
      expect((await models(proxied.url, KEY, '127.0.0.1', { 'x-forwarded-for': '203.0.113.8' })).status).toBe(200);
    } finally {
      await proxied.stop();
    }
  });
});

describe('proxy mode', () => {
  const rerankVia = (url: string) => fetch(`${url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, query: 'q', documents: ['d'] }) });

  it('does not follow an upstream redirect: one upstream request, a 502 naming the status, no address', async () => {
    const faults = await startFaultServer(server.reranker);
    const edge = await startServer({ upstream: { baseUrl: faults.url, retries: 3, retryDelayMs: 1 }, port: 0, log: () => undefined, metrics: false });
    try {
      faults.script({ kind: 'respond', status: 307, body: '', headers: { location: `${faults.url}/v1/rerank` } });
      const response = await rerankVia(edge.url);
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
    const edge = await startServer({ upstream: { baseUrl: NOWHERE, retries: 0, label: 'ranking backend' }, port: 0, log: () => undefined, metrics: false });
    try {
      const response = await rerankVia(edge.url);
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(text).toContain('ranking backend');
      expect(text).not.toContain(new URL(NOWHERE).host);
    } finally {
      await edge.close();
    }
  });

  it('names an unreachable upstream "the upstream service" when no label is given', async () => {
    const edge = await startServer({ upstream: { baseUrl: NOWHERE, retries: 0 }, port: 0, log: () => undefined, metrics: false });
    try {
      const text = await (await rerankVia(edge.url)).text();
      expect(text).toContain('Could not reach the upstream service');
      expect(text).not.toContain(new URL(NOWHERE).host);
    } finally {
      await edge.close();
    }
  });

  it('webrerank serve --upstream-label names the upstream in errors', async () => {
    const edge = await startServeProcess(['--upstream', NOWHERE, '--upstream-label', 'search cluster', '--port', '0'], { WEBRERANK_API_KEYS: '' });
    try {
      const text = await (await rerankVia(edge.url)).text();
      expect(text).toContain('search cluster');
      expect(text).not.toContain(new URL(NOWHERE).host);
    } finally {
      await edge.stop();
    }
  });
});
