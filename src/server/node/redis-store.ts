/**
 * The limits store in Redis, shared by every replica pointed at it. Each step is one Lua script
 * run inside Redis (EVALSHA), so the token bucket's refill-and-take and the quota's
 * check-and-charge are atomic however the replicas' requests interleave; the bucket's clock is
 * Redis' own (TIME), so replicas' clocks don't matter. With append-only persistence in Redis,
 * usage survives restarts of Redis as well as of the replicas.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { NO_USAGE, type Admission, type BucketRate, type LimitsStore, type UsageCounts } from '../limits-store.js';
import type { Quota } from '../quota.js';
import { burstOf, type RateDecision, type RateLimit } from '../rate-limit.js';

/** Every key this store writes starts with this, so one Redis can hold other things too. */
const PREFIX = 'webrerank:';
/** A command that gets no answer in this time fails, and the request gets 503 instead of hanging. */
const COMMAND_TIMEOUT_MS = 5000;
const USAGE_FIELDS = ['requests', 'documents', 'search_units', 'tokens'] as const;

/** Lua: refills the bucket at `key` by Redis' clock and takes one token; returns allowed (1 or 0) and seconds to wait. */
const TAKE_FUNCTION = `
local function take(key, perSecond, burst)
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local rate = perSecond / 1000
  local saved = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(saved[1]) or burst
  local at = tonumber(saved[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
  local allowed = 0
  if tokens >= 1 then
    tokens = tokens - 1
    allowed = 1
  end
  redis.call('HSET', key, 'tokens', tostring(tokens), 'at', tostring(now))
  redis.call('PEXPIRE', key, math.ceil(burst / rate) + 1000)
  if allowed == 1 then return 1, 0 end
  return 0, math.max(1, math.ceil((1 - tokens) / rate / 1000))
end
`;

/** Lua: adds the four counts at ARGV[first..first+3] to the totals and the day unless the totals would pass the quotas (-1: none) at ARGV[first+4], ARGV[first+5]; returns 1 when charged. */
const CHARGE_FUNCTION = `
local function charge(totals, day, first)
  local used = redis.call('HMGET', totals, 'requests', 'documents')
  local quotaRequests = tonumber(ARGV[first + 4])
  local quotaDocuments = tonumber(ARGV[first + 5])
  if quotaRequests >= 0 and (tonumber(used[1]) or 0) + tonumber(ARGV[first]) > quotaRequests then return 0 end
  if quotaDocuments >= 0 and (tonumber(used[2]) or 0) + tonumber(ARGV[first + 1]) > quotaDocuments then return 0 end
  local fields = {'requests', 'documents', 'search_units', 'tokens'}
  for _, key in ipairs({totals, day}) do
    for index, field in ipairs(fields) do
      local count = tonumber(ARGV[first + index - 1])
      if count ~= 0 then redis.call('HINCRBY', key, field, count) end
    end
  end
  return 1
end
`;

/** KEYS: bucket. ARGV: requests per second, burst. Returns {allowed, seconds to wait}. */
const TAKE_TOKEN = `${TAKE_FUNCTION}
local allowed, wait = take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
return {allowed, wait}
`;

/** KEYS: totals, day. ARGV: the four counts, then the request and document quotas (-1: none). */
const CHARGE = `${CHARGE_FUNCTION}
return charge(KEYS[1], KEYS[2], 1)
`;

/**
 * KEYS: bucket, totals, day. ARGV: requests per second (0: no rate limit), burst, then CHARGE's
 * ARGV. Returns {allowed, seconds to wait, charged}: nothing is charged when the rate refuses.
 */
const ADMIT = `${TAKE_FUNCTION}${CHARGE_FUNCTION}
if tonumber(ARGV[1]) > 0 then
  local allowed, wait = take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
  if allowed == 0 then return {0, wait, 0} end
end
return {1, 0, charge(KEYS[2], KEYS[3], 3)}
`;

/** KEYS: totals, day. ARGV: the four counts to take back (never below zero), then the four to add. */
const SETTLE = `
local fields = {'requests', 'documents', 'search_units', 'tokens'}
for _, key in ipairs(KEYS) do
  for index, field in ipairs(fields) do
    local back = tonumber(ARGV[index])
    local more = tonumber(ARGV[index + 4])
    if back > 0 then
      local value = tonumber(redis.call('HGET', key, field)) or 0
      redis.call('HSET', key, field, math.max(0, value - back) + more)
    elseif more > 0 then
      redis.call('HINCRBY', key, field, more)
    end
  end
end
return 1
`;

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const SCRIPTS = { take: script(TAKE_TOKEN), charge: script(CHARGE), admit: script(ADMIT), settle: script(SETTLE) };

export interface RedisStoreOptions {
  /** Told when the connection drops or comes back (one line each, never the URL's password). */
  log?: (line: string) => void;
}

/**
 * Connects to Redis at `url` (`redis://[:password@]host:port[/db]`, `rediss://` for TLS). Resolves
 * even while Redis is unreachable: the server then answers 503 (or serves, with
 * `--store-failure open`) and the store reconnects on its own.
 *
 * @example
 * const store = await openRedisStore('redis://127.0.0.1:6379');
 */
export async function openRedisStore(url: string, options: RedisStoreOptions = {}): Promise<RedisLimitsStore> {
  const log = options.log ?? (() => undefined);
  const redis = new Redis(url, {
    lazyConnect: true,
    // Fail at once while disconnected instead of queueing: a request must not wait on an outage,
    // and a command is never sent twice (a charge retried after a lost reply would count twice).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Commands that requests issue in the same turn of the event loop go out in one write and
    // come back in one read: under load, far fewer system calls per request than round trips.
    enableAutoPipelining: true,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
  });
  let reported = false;
  redis.on('error', (error: Error) => {
    if (!reported) log(`redis store: ${error.message}; reconnecting`);
    reported = true;
  });
  redis.on('ready', () => {
    if (reported) log('redis store: connected again');
    reported = false;
  });
  await redis.connect().catch(() => undefined);
  return new RedisLimitsStore(redis);
}

/** See {@link openRedisStore}. */
export class RedisLimitsStore implements LimitsStore {
  readonly kind = 'redis';
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async takeToken(bucket: string, limit: RateLimit): Promise<RateDecision> {
    const [allowed, wait] = (await this.#run(SCRIPTS.take, [bucketKey(bucket)], [limit.requestsPerSecond, burstOf(limit)])) as [number, number];
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterSeconds: wait };
  }

  async charge(key: string, day: string, usage: UsageCounts, quota: Quota | undefined): Promise<boolean> {
    return (await this.#run(SCRIPTS.charge, usageKeys(key, day), [...counts(usage), quota?.requests ?? -1, quota?.documents ?? -1])) === 1;
  }

  async admit(rate: BucketRate | undefined, key: string, day: string, usage: UsageCounts, quota: Quota | undefined): Promise<Admission> {
    const keys = [bucketKey(rate?.bucket ?? ''), ...usageKeys(key, day)];
    const args = [rate?.limit.requestsPerSecond ?? 0, rate ? burstOf(rate.limit) : 0, ...counts(usage), quota?.requests ?? -1, quota?.documents ?? -1];
    const [allowed, wait, charged] = (await this.#run(SCRIPTS.admit, keys, args)) as [number, number, number];
    return { rate: allowed === 1 ? { allowed: true } : { allowed: false, retryAfterSeconds: wait }, charged: charged === 1 };
  }

  async refund(key: string, day: string, usage: UsageCounts): Promise<void> {
    await this.settle(key, day, usage, NO_USAGE);
  }

  async record(key: string, day: string, usage: UsageCounts): Promise<void> {
    await this.settle(key, day, NO_USAGE, usage);
  }

  async settle(key: string, day: string, back: UsageCounts, more: UsageCounts): Promise<void> {
    await this.#run(SCRIPTS.settle, usageKeys(key, day), [...counts(back), ...counts(more)]);
  }

  async usage(key: string, day: string): Promise<{ total: UsageCounts; day: UsageCounts }> {
    const [total, today] = await Promise.all(usageKeys(key, day).map((hash) => this.#redis.hmget(hash, ...USAGE_FIELDS)));
    return { total: usageOf(total as (string | null)[]), day: usageOf(today as (string | null)[]) };
  }

  async ping(): Promise<void> {
    await this.#redis.ping();
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }

  /** EVALSHA, loading the script on first use (or after Redis restarted without it). */
  async #run(script: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.#redis.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return this.#redis.eval(script.source, keys.length, ...keys, ...args);
    }
  }
}

function bucketKey(bucket: string): string {
  return `${PREFIX}bucket:${bucket}`;
}

function usageKeys(key: string, day: string): string[] {
  return [`${PREFIX}usage:${key}:total`, `${PREFIX}usage:${key}:${day}`];
}

function counts(usage: UsageCounts): number[] {
  return [usage.requests, usage.documents, usage.searchUnits, usage.tokens];
}

function usageOf(values: (string | null)[]): UsageCounts {
  const [requests, documents, searchUnits, tokens] = values.map((value) => Number(value ?? 0));
  return { ...NO_USAGE, requests: requests ?? 0, documents: documents ?? 0, searchUnits: searchUnits ?? 0, tokens: tokens ?? 0 };
}
