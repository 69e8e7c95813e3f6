/**
 * Three `webrerank serve` processes (built, as installed) sharing one Redis, as behind a load
 * balancer: a key's rate limit and quota hold across all of them, survive restarting every
 * replica and Redis, and an outage of Redis gives typed 503s — never a 500 or an uncounted
 * rerank — until Redis is back.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRedis, type RedisProcess } from '../kit/redis-process.js';
import { startServeProcess, untilHealthy, type ServeProcess } from '../kit/serve-process.js';

const modelPath = inject('tinyModelDir');
const KEYS = [
  '{"name":"burst-team","key":"sk-burst","rate":0.5,"burst":20}',
  '{"name":"quota-team","key":"sk-quota","quota_documents":40}',
  '{"name":"outage-team","key":"sk-outage"}',
].join('\n');

// A connection per request (pipelining 0 turns keep-alive off): hundreds of requests start at
// once on a loaded machine, and a reused idle connection can be closed by the server's keep-alive
// timer just as a request is sent on it — a client-side race these tests are not about.
const dispatcher = new Agent({ pipelining: 0 });

let redis: RedisProcess;
let dir: string;
let replicas: ServeProcess[] = [];

async function startReplicas(): Promise<void> {
  const args = ['--model-path', modelPath, '--port', '0', '--store', redis.url, '--keys', join(dir, 'keys.jsonl'), '--max-pending', '400'];
  replicas = await Promise.all([0, 1, 2].map(() => startServeProcess(args, { WEBRERANK_API_KEYS: '' }, { built: true })));
  await Promise.all(replicas.map((replica) => untilHealthy(replica.url)));
}

async function stopReplicas(): Promise<void> {
  const codes = await Promise.all(replicas.map((replica) => replica.stop()));
  replicas = [];
  expect(codes).toEqual([0, 0, 0]);
}

/** One rerank of `documents` documents on replica `index % 3`; the status and error code. */
async function rerank(key: string, index: number, documents = 1): Promise<{ status: number; code?: string; retryAfter: string | null }> {
  const replica = replicas[index % replicas.length] as ServeProcess;
  const response = await fetch(`${replica.url}/v1/rerank`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'BAAI/bge-reranker-v2-m3', query: 'what is a reranker?', documents: Array.from({ length: documents }, (_, n) => `document ${n} about ranking`) }),
    dispatcher,
  });
  const body = (await response.json()) as { error?: { code?: string } };
  return { status: response.status, ...(body.error?.code !== undefined ? { code: body.error.code } : {}), retryAfter: response.headers.get('retry-after') };
}

async function usage(key: string, index = 0) {
  const response = await fetch(`${(replicas[index] as ServeProcess).url}/v1/usage`, { headers: { Authorization: `Bearer ${key}` }, dispatcher });
  expect(response.status).toBe(200);
  return (await response.json()) as { total: { requests: number; documents: number }; today: { requests: number }; quota: { documents?: { limit: number; used: number; remaining: number } } };
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'webrerank-replicas-'));
  await writeFile(join(dir, 'keys.jsonl'), KEYS);
  redis = await startRedis();
  await startReplicas();
}, 120_000);

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
  await redis?.destroy();
  await dispatcher.close();
  await rm(dir, { recursive: true, force: true });
});

describe('three replicas sharing Redis', () => {
  it('hold one key to its burst under 300 concurrent requests spread over the replicas', async () => {
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 300 }, (_, index) => rerank('sk-burst', index)));
    const seconds = (performance.now() - started) / 1000;
    const statuses = countBy(results, (result) => String(result.status));
    expect(Object.keys(statuses).sort()).toEqual(['200', '429']);
    // The burst, plus what the rate (0.5/s) refills while the 300 are answered.
    expect(statuses['200']).toBeGreaterThanOrEqual(20);
    expect(statuses['200']).toBeLessThanOrEqual(20 + Math.ceil(seconds * 0.5));
    expect(results.filter((result) => result.status === 429).every((result) => Number(result.retryAfter) >= 1)).toBe(true);
  }, 120_000);

  it('consume a quota of 40 documents exactly: 40 accepted, the rest 402', async () => {
    const results = await Promise.all(Array.from({ length: 120 }, (_, index) => rerank('sk-quota', index)));
    const storeLines = replicas.flatMap((replica) => replica.stdout.filter((line) => line.includes('limits store')));
    expect(countBy(results, (result) => `${result.status} ${result.code ?? ''}`.trim()), storeLines.join('\n')).toEqual({ '200': 40, '402 quota_exceeded': 80 });
    for (const index of [0, 1, 2]) expect((await usage('sk-quota', index)).quota.documents).toEqual({ limit: 40, used: 40, remaining: 0 });
  }, 120_000);

  it('keep usage and the exhausted quota across a restart of every replica and of Redis', async () => {
    await stopReplicas();
    await redis.stop();
    await redis.start();
    await startReplicas();
    const after = await usage('sk-quota', 2);
    expect(after.total).toMatchObject({ requests: 40, documents: 40 });
    expect(await rerank('sk-quota', 1)).toMatchObject({ status: 402, code: 'quota_exceeded' });
  }, 120_000);

  it('answer typed 503s while Redis is down, count every served rerank and none twice, and serve again soon after Redis is back', async () => {
    const results: { status: number; code?: string; retryAfter: string | null }[] = [];
    let sent = 0;
    const load = async (until: () => boolean) => {
      while (!until()) results.push(await rerank('sk-outage', sent++));
    };
    let stopped = false;
    const workers = Promise.all([0, 1, 2, 3].map(() => load(() => stopped)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const downSince = results.length;
    await redis.start();
    const back = performance.now();
    while ((await rerank('sk-outage', sent++).then((result) => (results.push(result), result.status))) !== 200 && performance.now() - back < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const recoverySeconds = (performance.now() - back) / 1000;
    stopped = true;
    await workers;

    const statuses = countBy(results, (result) => `${result.status} ${result.code ?? ''}`.trim());
    expect(Object.keys(statuses).sort()).toEqual(['200', '503 limits_unavailable']);
    expect(results.filter((result) => result.status === 503).every((result) => result.retryAfter === '2')).toBe(true);
    expect(results.slice(0, downSince).some((result) => result.status === 503)).toBe(true);
    expect(recoverySeconds).toBeLessThan(10);
    // Every 200 is counted, none twice. A charge Redis applied just as it stopped, whose answer
    // was lost, is counted though its request got a 503: at most one per connection then busy (4).
    const served = statuses['200'] ?? 0;
    const counted = (await usage('sk-outage')).total.requests;
    expect(counted).toBeGreaterThanOrEqual(served);
    expect(counted).toBeLessThanOrEqual(served + 4);
  }, 120_000);
});
