/**
 * The three limits stores keep the same promises: a token bucket that allows its burst and no
 * more, a quota consumed exactly under concurrency, refunds, usage by UTC day — and Redis and
 * SQLite keep them across connections, replicas and restarts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLimitsStore, NO_USAGE, type LimitsStore } from '../../src/server/limits-store.js';
import { openLimitsStore } from '../../src/server/node/open-store.js';
import { openRedisStore } from '../../src/server/node/redis-store.js';
import { openSqliteStore, StoreOpenError } from '../../src/server/node/sqlite-store.js';
import { startRedis, type RedisProcess } from '../kit/redis-process.js';

const DAY = '2026-12-07';
const oneRequest = (documents: number) => ({ ...NO_USAGE, requests: 1, documents });

let redis: RedisProcess;
let dir: string;
beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'webrerank-stores-'));
});
afterAll(async () => {
  await redis?.destroy();
  await rm(dir, { recursive: true, force: true });
});

const STORES: [string, () => Promise<LimitsStore>][] = [
  ['memory', async () => new MemoryLimitsStore()],
  ['redis', () => openRedisStore(redis.url)],
  ['sqlite', () => openSqliteStore(join(dir, `${crypto.randomUUID()}.sqlite`))],
];

describe.each(STORES)('the %s store', (_kind, open) => {
  it('lets a bucket burst, then refuses with a wait of at least a second', async () => {
    const store = await open();
    try {
      const bucket = `rate:${crypto.randomUUID()}`;
      const decisions = await Promise.all(Array.from({ length: 8 }, () => store.takeToken(bucket, { requestsPerSecond: 0.5, burst: 5 })));
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
      expect(decisions.find((decision) => !decision.allowed)).toEqual({ allowed: false, retryAfterSeconds: 2 });
    } finally {
      await store.close();
    }
  });

  it('consumes a quota of documents exactly under 60 concurrent charges, and refunds', async () => {
    const store = await open();
    try {
      const key = crypto.randomUUID();
      const results = await Promise.all(Array.from({ length: 60 }, () => store.charge(key, DAY, oneRequest(1), { documents: 25 })));
      expect(results.filter(Boolean)).toHaveLength(25);
      expect(await store.charge(key, DAY, oneRequest(1), { documents: 25 })).toBe(false);
      await store.refund(key, DAY, oneRequest(1));
      expect(await store.charge(key, DAY, oneRequest(1), { documents: 25 })).toBe(true);
      await store.record(key, DAY, { ...NO_USAGE, tokens: 300, searchUnits: 2 });
      expect(await store.usage(key, DAY)).toEqual({ total: { requests: 25, documents: 25, searchUnits: 2, tokens: 300 }, day: { requests: 25, documents: 25, searchUnits: 2, tokens: 300 } });
      expect((await store.usage(key, '2026-12-08')).day).toEqual(NO_USAGE);
    } finally {
      await store.close();
    }
  });

  it('admits in one step: takes the token and charges, charges nothing when the rate refuses, and charges without a rate', async () => {
    const store = await open();
    try {
      const key = crypto.randomUUID();
      const rate = { bucket: `rate:${key}`, limit: { requestsPerSecond: 0.5, burst: 2 } };
      const admissions = await Promise.all(Array.from({ length: 4 }, () => store.admit(rate, key, DAY, oneRequest(1), { documents: 1 })));
      expect(admissions.filter((admission) => admission.charged)).toHaveLength(1);
      expect(admissions.filter((admission) => admission.rate.allowed)).toHaveLength(2);
      expect(admissions.find((admission) => !admission.rate.allowed)).toEqual({ rate: { allowed: false, retryAfterSeconds: 2 }, charged: false });
      expect((await store.usage(key, DAY)).total).toEqual({ ...NO_USAGE, requests: 1, documents: 1 });
      expect(await store.admit(undefined, key, DAY, oneRequest(0), undefined)).toEqual({ rate: { allowed: true }, charged: true });
    } finally {
      await store.close();
    }
  });

  it('settles a request in one step: gives back what was not billed and adds its tokens', async () => {
    const store = await open();
    try {
      const key = crypto.randomUUID();
      expect(await store.charge(key, DAY, { requests: 1, documents: 10, searchUnits: 1, tokens: 0 }, { documents: 10 })).toBe(true);
      await store.settle(key, DAY, { ...NO_USAGE, documents: 4 }, { ...NO_USAGE, tokens: 120 });
      const settled = { requests: 1, documents: 6, searchUnits: 1, tokens: 120 };
      expect(await store.usage(key, DAY)).toEqual({ total: settled, day: settled });
      expect(await store.charge(key, DAY, oneRequest(4), { documents: 10 })).toBe(true);
      expect(await store.charge(key, DAY, oneRequest(1), { documents: 10 })).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('answers each of many steps in one turn on its own: one with a nonsensical limit fails alone, the rest count', async () => {
    const store = await open();
    try {
      const key = crypto.randomUUID();
      const steps = await Promise.allSettled([
        store.admit({ bucket: `rate:${key}`, limit: { requestsPerSecond: 1, burst: 2 } }, key, DAY, oneRequest(2), { documents: 5 }),
        store.takeToken(`rate:${key}`, { requestsPerSecond: 1, burst: 0 }),
        store.admit({ bucket: `rate:${key}`, limit: { requestsPerSecond: 1, burst: 2 } }, key, DAY, oneRequest(2), { documents: 5 }),
        store.admit({ bucket: `rate:${key}`, limit: { requestsPerSecond: 1, burst: 2 } }, key, DAY, oneRequest(2), { documents: 5 }),
        store.settle(key, DAY, NO_USAGE, { ...NO_USAGE, tokens: 30 }),
      ]);
      expect(steps.map((step) => step.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
      const values = steps.map((step) => (step.status === 'fulfilled' ? step.value : undefined));
      // The burst of 2 admits two; the third is refused by the rate and charged nothing.
      expect(values.slice(2, 4)).toEqual([{ rate: { allowed: true }, charged: true }, { rate: { allowed: false, retryAfterSeconds: 1 }, charged: false }]);
      expect((await store.usage(key, DAY)).total).toEqual({ ...NO_USAGE, requests: 2, documents: 4, tokens: 30 });
    } finally {
      await store.close();
    }
  });
});

describe('the redis store', () => {
  it('is shared: two replicas together take one burst and one quota', async () => {
    const [first, second] = await Promise.all([openRedisStore(redis.url), openRedisStore(redis.url)]);
    try {
      const key = crypto.randomUUID();
      const charges = await Promise.all(Array.from({ length: 40 }, (_, index) => (index % 2 ? first : second).charge(key, DAY, oneRequest(1), { requests: 10 })));
      expect(charges.filter(Boolean)).toHaveLength(10);
      const takes = await Promise.all(Array.from({ length: 40 }, (_, index) => (index % 2 ? first : second).takeToken(key, { requestsPerSecond: 0.1, burst: 7 })));
      expect(takes.filter((decision) => decision.allowed)).toHaveLength(7);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('fails fast while Redis is down and works again, with usage kept, once it is back', async () => {
    const store = await openRedisStore(redis.url);
    try {
      const key = crypto.randomUUID();
      expect(await store.charge(key, DAY, oneRequest(3), undefined)).toBe(true);
      await redis.stop();
      await expect(store.charge(key, DAY, oneRequest(3), undefined)).rejects.toThrow();
      await expect(store.ping()).rejects.toThrow();
      await redis.start();
      await expect.poll(() => store.ping().then(() => true, () => false), { timeout: 10_000, interval: 100 }).toBe(true);
      expect((await store.usage(key, DAY)).total).toEqual({ ...NO_USAGE, requests: 1, documents: 3 });
    } finally {
      await store.close();
    }
  });
});

describe('the sqlite store', () => {
  it('keeps usage across a close and reopen of its file', async () => {
    const path = join(dir, 'durable.sqlite');
    const first = await openSqliteStore(path);
    expect(await first.charge('team', DAY, oneRequest(4), { documents: 5 })).toBe(true);
    await first.close();
    const second = await openSqliteStore(path);
    try {
      expect(await second.charge('team', DAY, oneRequest(4), { documents: 5 })).toBe(false);
      expect((await second.usage('team', DAY)).total.documents).toBe(4);
    } finally {
      await second.close();
    }
  });

  it('commits concurrent steps together, and a step that fails fails alone', async () => {
    const path = join(dir, 'grouped.sqlite');
    const store = await openSqliteStore(path);
    try {
      const steps = await Promise.allSettled([
        store.charge('team', DAY, oneRequest(2), undefined),
        store.takeToken('rate:team', { requestsPerSecond: 1, burst: 0 }),
        store.record('team', DAY, { ...NO_USAGE, tokens: 50 }),
      ]);
      expect(steps.map((step) => step.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    } finally {
      await store.close();
    }
    const reopened = await openSqliteStore(path);
    try {
      expect((await reopened.usage('team', DAY)).total).toEqual({ ...NO_USAGE, requests: 1, documents: 2, tokens: 50 });
    } finally {
      await reopened.close();
    }
  });

  it('refuses a file that is not a database, saying so', async () => {
    const path = join(dir, 'corrupt.sqlite');
    await writeFile(path, 'this is not a database, it just has the name of one'.repeat(100));
    await expect(openSqliteStore(path)).rejects.toThrow(StoreOpenError);
    await expect(openSqliteStore(path)).rejects.toThrow(/corrupt\.sqlite is (not a usable SQLite database|damaged)/);
  });

  it('refuses a file another program holds locked, saying so', async () => {
    const path = join(dir, 'locked.sqlite');
    const { DatabaseSync } = await import('node:sqlite');
    const holder = new DatabaseSync(path);
    holder.exec('CREATE TABLE held (x); BEGIN EXCLUSIVE; INSERT INTO held VALUES (1);');
    try {
      await expect(openSqliteStore(path)).rejects.toThrow(/locked\.sqlite is locked by another process/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  }, 30_000);
});

describe('openLimitsStore', () => {
  it('picks memory without a quota, and refuses a URL it does not know without echoing a password', async () => {
    expect((await openLimitsStore(undefined, { quotas: false })).kind).toBe('memory');
    expect((await openLimitsStore('memory', { quotas: true })).kind).toBe('memory');
    await expect(openLimitsStore('postgres://user:hunter2@db/limits', { quotas: true })).rejects.toThrow(/--store must be memory, sqlite:PATH or redis:\/\/HOST:PORT, got "postgres:\/\/user:\*\*\*@db\/limits"/);
  });
});
