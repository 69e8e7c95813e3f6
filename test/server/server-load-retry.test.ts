/**
 * A server whose model download fails tries again with capped, jittered backoff, and says why
 * meanwhile: `/health` names the reason, the URL tried, the tries and the next one; a rerank's 503
 * carries the same reason and a Retry-After.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { retryDelay } from '../../src/server/load-retry.js';
import { startServer } from '../../src/server/node/node-server.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { startFakeHub, type FakeHub } from '../support/fake-hub.js';

const modelPath = inject('tinyModelDir');
const REPO = 'webrerank-test/standin-tiny-ONNX';
let scratch: string;
let hub: FakeHub;
const saved = { HF_ENDPOINT: process.env.HF_ENDPOINT, HF_HUB_CACHE: process.env.HF_HUB_CACHE };

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'webrerank-retry-'));
  hub = await startFakeHub({ repo: REPO, folder: modelPath });
  process.env.HF_ENDPOINT = hub.url;
  process.env.HF_HUB_CACHE = join(scratch, 'hub');
});
afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await hub.close();
  await rm(scratch, { recursive: true, force: true });
});

interface Health {
  status: string;
  reason?: string;
  url?: string;
  attempts?: number;
  next_retry_at?: string;
}

describe('retryDelay', () => {
  it('doubles from the first wait, stops at the cap, and varies each wait between half and all of it', () => {
    const options = { initialDelayMs: 1000, maxDelayMs: 5000 };
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelay(attempt, options, () => 0.999999))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(retryDelay(2, options, () => 0)).toBe(1000);
  });
});

describe('a server whose model download fails', () => {
  it('shows why on /health and in the 503, then loads on a later try', async () => {
    hub.failNext(2);
    const logs: string[] = [];
    const server = await startServer({ engine: { model: REPO, inWorker: false }, port: 0, loadRetry: { initialDelayMs: 400, maxDelayMs: 800 }, log: (line) => logs.push(line) });
    try {
      await server.ready;
      const response = await fetch(`${server.url}/health`);
      expect(response.status).toBe(503);
      const health = (await response.json()) as Health;
      expect(health.status).toBe('failed');
      expect(health.reason).toMatch(/The hub answered 503 for http:\/\/127\.0\.0\.1:\d+\/api\/models\/webrerank-test\/standin-tiny-ONNX\/paths-info\/main\./);
      expect(health.url).toBe(`${hub.url}/api/models/${REPO}/paths-info/main`);
      expect(health.attempts).toBe(1);
      expect(Date.parse(health.next_retry_at ?? '')).toBeGreaterThan(Date.now() - 1000);

      const rerank = await fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...HOSTED_EXAMPLE, model: REPO }) });
      expect(rerank.status).toBe(503);
      expect(Number(rerank.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const { error } = (await rerank.json()) as { error: { message: string } };
      expect(error.message).toMatch(/^The model failed to load \(try 1; the next in \d+ s\): .*The hub answered 503 for http/);

      let latest = health;
      for (let tries = 0; tries < 600 && latest.status !== 'ready'; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        latest = (await (await fetch(`${server.url}/health`)).json()) as Health;
      }
      expect(latest.status).toBe('ready');
      expect(logs.filter((line) => line.startsWith('trying to load the model again'))).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('does not retry what time will not fix (a repository the hub does not have)', async () => {
    const server = await startServer({ engine: { model: 'nobody/nothing', inWorker: false }, port: 0, loadRetry: { initialDelayMs: 100, maxDelayMs: 100 }, log: () => undefined });
    try {
      await server.ready;
      const health = (await (await fetch(`${server.url}/health`)).json()) as Health;
      expect(health.status).toBe('failed');
      expect(health.reason).toContain('(404): check the model id and --revision');
      expect(health.attempts).toBe(1);
      expect(health.next_retry_at).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});
