/**
 * `webrerank serve` over restarts and shutdowns: the SQLite default keeps quotas and usage across
 * a restart, and SIGTERM drains — readiness off, new reranks 503, the reranks in flight answered,
 * exit 0.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startServeProcess, untilHealthy } from '../kit/serve-process.js';

const modelPath = inject('tinyModelDir');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'webrerank-lifecycle-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function rerank(url: string, documents: string[], key = 'sk-a'): Promise<Response> {
  return fetch(`${url}/v1/rerank`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'BAAI/bge-reranker-v2-m3', query: 'which document is about ranking?', documents }),
  });
}

describe('a quota with no --store', () => {
  const start = () => startServeProcess(['--model-path', modelPath, '--port', '0', '--quota-documents', '3'], { WEBRERANK_API_KEYS: 'sk-a' }, { built: true, cwd: dir });

  it('is kept in a SQLite file in the working directory and survives a restart', async () => {
    const first = await start();
    try {
      expect(first.stdout.join('\n')).toMatch(/limits, quotas and usage kept in sqlite \(webrerank-limits\.sqlite\)/);
      await untilHealthy(first.url);
      expect((await rerank(first.url, ['a', 'b'])).status).toBe(200);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await start();
    try {
      await untilHealthy(second.url);
      // The first server's tokens are recorded after its answer: its drain on SIGTERM flushed them.
      const kept = (await (await fetch(`${second.url}/v1/usage`, { headers: { Authorization: 'Bearer sk-a' } })).json()) as { total: { requests: number; tokens: number } };
      expect(kept.total.requests).toBe(1);
      expect(kept.total.tokens).toBeGreaterThan(0);
      expect((await rerank(second.url, ['c'])).status).toBe(200);
      const refused = await rerank(second.url, ['d']);
      expect(refused.status).toBe(402);
      const usage = (await (await fetch(`${second.url}/v1/usage`, { headers: { Authorization: 'Bearer sk-a' } })).json()) as { total: { requests: number }; quota: unknown };
      expect(usage).toMatchObject({ key: 'key-1', total: { requests: 2, documents: 3 }, quota: { documents: { limit: 3, used: 3, remaining: 0 } } });
    } finally {
      expect(await second.stop()).toBe(0);
    }
  }, 120_000);
});

describe('SIGTERM', () => {
  it('answers the 50 reranks in flight with 200, refuses new ones with 503, turns readiness off, and exits 0', async () => {
    // No score cache: the 50 identical reranks must each run the model, or they are all answered
    // before the late request arrives and the drained server is gone.
    const server = await startServeProcess(['--model-path', modelPath, '--port', '0', '--metrics-port', '0', '--drain-timeout', '100', '--score-cache-mb', '0'], { WEBRERANK_API_KEYS: 'sk-a' }, { built: true });
    await untilHealthy(server.url);
    const metricsUrl = /metrics: GET (\S+)/.exec(server.stdout.join('\n'))?.[1] as string;
    const documents = Array.from({ length: 24 }, (_, n) => `document ${n}: ${'a reranker orders documents by how well they answer a query '.repeat(2)}`);
    const inFlight = Array.from({ length: 50 }, () => rerank(server.url, documents).then((response) => response.status));
    await expect
      .poll(async () => Number(/^webrerank_requests_in_flight (\d+)/m.exec(await (await fetch(metricsUrl)).text())?.[1] ?? 0), { timeout: 60_000, interval: 20 })
      .toBeGreaterThanOrEqual(50);

    process.kill(server.pid, 'SIGTERM');
    await expect.poll(() => server.stdout.some((line) => line.startsWith('SIGTERM: draining')), { timeout: 10_000, interval: 10 }).toBe(true);
    const late = await rerank(server.url, ['one more']);
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('2');
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe('shutting_down');
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(503);

    expect(await Promise.all(inFlight)).toEqual(Array.from({ length: 50 }, () => 200));
    expect(await server.exited).toBe(0);
    expect(server.stdout).toContain('drained; stopped');
  }, 120_000);
});
