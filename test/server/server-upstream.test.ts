/**
 * `webrerank serve --upstream`: the server forwards to another `/v1/rerank` server with its own
 * key. The upstream is a second real server (the engine on the generated model), or a fault
 * server for the error mapping.
 */
import { STANDIN_WARNING } from '../../src/core/standin.js';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { RerankResponse } from '../../src/core/contract.js';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { startFaultServer, type FaultServer } from '../support/fault-server.js';
import { failOnUnhandledRejections } from '../support/unhandled-rejections.js';

const CLIENT_KEY = 'sk-client-5d1e';
const UPSTREAM_KEY = 'sk-upstream-9a0c';

failOnUnhandledRejections();

let upstream: RunningServer;
let edge: RunningServer;
let faults: FaultServer;
let faultEdge: RunningServer;
const quiet = { log: () => undefined };

beforeAll(async () => {
  upstream = await startServer({ engine: { modelPath: inject('tinyModelDir') }, apiKeys: [UPSTREAM_KEY], port: 0, ...quiet });
  await upstream.ready;
  edge = await startServer({ upstream: { baseUrl: upstream.url, apiKey: UPSTREAM_KEY }, apiKeys: [CLIENT_KEY], port: 0, ...quiet });
  faults = await startFaultServer(upstream.reranker);
  faultEdge = await startServer({
    upstream: { baseUrl: faults.url, apiKey: UPSTREAM_KEY, retries: 1, retryDelayMs: 10, timeoutMs: 500 },
    apiKeys: [CLIENT_KEY],
    port: 0,
    ...quiet,
  });
});
afterAll(async () => {
  await Promise.all([edge.close(), faultEdge.close(), faults.close()]);
  await upstream.close();
});
beforeEach(() => faults.reset());

function rerank(url: string, body: unknown = HOSTED_EXAMPLE): Promise<Response> {
  return fetch(`${url}/v1/rerank`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${CLIENT_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('forwarding to an upstream', () => {
  it("answers with the upstream's real ranking, marked remote, and is ready at once", async () => {
    const response = await rerank(edge.url);
    expect(response.status).toBe(200);
    const body = (await response.json()) as RerankResponse;
    expect(body.results).toEqual((await upstream.reranker.rerank({ ...HOSTED_EXAMPLE, model: upstream.model ?? HOSTED_EXAMPLE.model })).results);
    // The upstream serves the stand-in: its warning is passed on.
    expect(body.meta).toEqual({ backend: 'remote', warnings: [STANDIN_WARNING], api_version: { version: '1' }, billed_units: { search_units: 1 } });
    const health = await fetch(`${edge.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ready', backend: 'remote' });
  });

  it("sends the server's own upstream key, never the client's", async () => {
    await rerank(faultEdge.url);
    expect(faults.requests[0]?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it('refuses bad input itself, without asking the upstream', async () => {
    const response = await rerank(faultEdge.url, { ...HOSTED_EXAMPLE, documents: [] });
    expect(response.status).toBe(400);
    expect(faults.requests).toHaveLength(0);
  });
});

describe("mapping the upstream's errors", () => {
  async function errorOf(response: Response): Promise<{ code: string; message: string }> {
    return ((await response.json()) as { error: { code: string; message: string } }).error;
  }

  it('passes on a 429 with its Retry-After once the retries are spent', async () => {
    const limited = { kind: 'respond', status: 429, body: { error: { message: 'Rate limited' } }, headers: { 'Retry-After': '0' } } as const;
    faults.script(limited, limited);
    const response = await rerank(faultEdge.url);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('0');
    expect((await errorOf(response)).code).toBe('rate_limited');
    expect(faults.requests).toHaveLength(2);
  });

  it('passes on a 503 with its code', async () => {
    const unavailable = { kind: 'respond', status: 503, body: { error: { code: 'model_unavailable', message: 'Model not available' } } } as const;
    faults.script(unavailable, unavailable);
    const response = await rerank(faultEdge.url);
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toEqual({ status: 503, code: 'model_unavailable', message: 'Model not available' });
  });

  it('passes on a 402 (the upstream quota is spent) without retrying', async () => {
    faults.script({ kind: 'respond', status: 402, body: { error: { message: 'Insufficient quota' } } });
    const response = await rerank(faultEdge.url);
    expect(response.status).toBe(402);
    expect((await errorOf(response)).code).toBe('quota_exceeded');
    expect(faults.requests).toHaveLength(1);
  });

  it("does not pass on the upstream's 401 as the client's: the server's own credentials failed, 503", async () => {
    faults.script({ kind: 'respond', status: 401, body: { error: { message: 'Invalid API key' } } });
    const response = await rerank(faultEdge.url);
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toMatchObject({ code: 'model_unavailable', message: expect.stringMatching(/refused this server's credentials/) });
  });

  it('answers 500 invalid_response for a malformed upstream answer', async () => {
    faults.script({ kind: 'respond', status: 200, body: '<html>gateway</html>' });
    const response = await rerank(faultEdge.url);
    expect(response.status).toBe(500);
    expect((await errorOf(response)).code).toBe('invalid_response');
  });

  it('answers 503 network_error when the upstream drops the connection, 504 timeout when it hangs', async () => {
    faults.script({ kind: 'drop' }, { kind: 'drop' });
    const dropped = await rerank(faultEdge.url);
    expect(dropped.status).toBe(503);
    expect((await errorOf(dropped)).code).toBe('network_error');

    faults.script({ kind: 'hang' }, { kind: 'hang' });
    const hung = await rerank(faultEdge.url);
    expect(hung.status).toBe(504);
    expect((await errorOf(hung)).code).toBe('timeout');
  });

  it('hides an upstream 500 message behind a generic one', async () => {
    const broken = { kind: 'respond', status: 500, body: { error: { message: 'NullPointerException at db.internal:5432' } } } as const;
    faults.script(broken, broken);
    const response = await rerank(faultEdge.url);
    expect(response.status).toBe(500);
    expect(await errorOf(response)).toEqual({ status: 500, code: 'internal_error', message: 'Internal server error.' });
  });
});
