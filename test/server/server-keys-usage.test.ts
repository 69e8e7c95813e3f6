/**
 * Per-key settings, usage and the store's failure policy, over real HTTP with the real engine on
 * the stand-in model: each key's own quota and models, `GET /v1/usage`, readiness, and what a
 * caller sees while the limits store is unreachable (503 by default, served with `open`).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sha256Hex } from '../../src/server/auth.js';
import { MemoryLimitsStore } from '../../src/server/limits-store.js';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';

const modelPath = inject('tinyModelDir');

/** A memory store whose every step fails while `down` is true, as a store that can't be reached. */
class FlakyStore extends MemoryLimitsStore {
  down = false;
  constructor() {
    super();
    for (const method of ['takeToken', 'charge', 'refund', 'record', 'usage', 'ping'] as const) {
      const real = this[method].bind(this) as (...args: unknown[]) => Promise<unknown>;
      (this as Record<string, unknown>)[method] = (...args: unknown[]) => (this.down ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) : real(...args));
    }
  }
}

const servers: RunningServer[] = [];
const logs: string[] = [];
async function start(store: FlakyStore, storeFailure?: 'open'): Promise<RunningServer> {
  const apiKeys = [
    { name: 'small-team', sha256: await sha256Hex('sk-small'), quota: { documents: 5 } },
    { name: 'one-model', sha256: await sha256Hex('sk-one-model'), models: ['some/other-model'] },
  ];
  const server = await startServer({ engine: { modelPath }, apiKeys, store, port: 0, metrics: false, log: (line) => logs.push(line), ...(storeFailure ? { storeFailure } : {}) });
  servers.push(server);
  await server.ready;
  return server;
}
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

const rerank = (server: RunningServer, key: string) =>
  fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: JSON.stringify(HOSTED_EXAMPLE) });

describe('a server with a keys file', () => {
  let server: RunningServer;
  const store = new FlakyStore();
  beforeAll(async () => {
    server = await start(store);
  });

  it("holds each key to its own quota and shows it its own usage, by name", async () => {
    expect((await rerank(server, 'sk-small')).status).toBe(200);
    const refused = await rerank(server, 'sk-small');
    expect(refused.status).toBe(402);
    const usage = (await (await fetch(`${server.url}/v1/usage`, { headers: { Authorization: 'Bearer sk-small' } })).json()) as Record<string, unknown>;
    expect(usage).toMatchObject({
      key: 'small-team',
      today: { requests: 1, documents: 4, search_units: 1 },
      total: { requests: 1, documents: 4 },
      quota: { documents: { limit: 5, used: 4, remaining: 1 } },
    });
    expect((usage.today as { tokens: number }).tokens).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/v1/usage`)).status).toBe(401);
  });

  it('refuses a model the key may not use with 403 model_not_allowed', async () => {
    const response = await rerank(server, 'sk-one-model');
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('model_not_allowed');
  });

  it('answers 503 limits_unavailable with Retry-After while the store is down, turns unready, and recovers by itself', async () => {
    store.down = true;
    const refused = await rerank(server, 'sk-small');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('limits_unavailable');
    const ready = await fetch(`${server.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ready: false, model: 'ready', store: { kind: 'memory', reachable: false }, draining: false });
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
    store.down = false;
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
    expect((await rerank(server, 'sk-small')).status).toBe(402);
    expect(logs.filter((line) => line.startsWith('limits store (memory) unreachable'))).toHaveLength(1);
    expect(logs).toContain('limits store (memory) reachable again');
  });
});

describe('--store-failure open', () => {
  it('serves while the store is down, without counting, and logs it once', async () => {
    const store = new FlakyStore();
    const server = await start(store, 'open');
    store.down = true;
    expect((await rerank(server, 'sk-small')).status).toBe(200);
    expect((await rerank(server, 'sk-small')).status).toBe(200);
    expect(logs.filter((line) => line.includes('serving without limits (--store-failure open)'))).toHaveLength(1);
    store.down = false;
    expect((await store.usage('small-team', new Date().toISOString().slice(0, 10))).total.requests).toBe(0);
  });
});
