/**
 * The limits store in Redis, shared by every replica pointed at it. The steps that requests ask
 * for in one turn of the event loop go to Redis as one Lua script (EVALSHA; see redis-steps.ts),
 * atomic however the replicas' requests interleave. With append-only persistence in Redis, usage
 * survives restarts of Redis as well as of the replicas.
 */
import { Redis } from 'ioredis';
import { NO_USAGE, type Admission, type BucketRate, type LimitsStore, type UsageCounts } from '../limits-store.js';
import type { Quota } from '../quota.js';
import type { RateDecision, RateLimit } from '../rate-limit.js';
import { BATCH_SCRIPT, USAGE_FIELDS, decodeResults, encodeSteps, stepRate, usageKeys, type RedisStep, type StepResult } from './redis-steps.js';
import { TurnBatch, type StepOutcome } from './turn-batch.js';

/** A command that gets no answer in this time fails, and the request gets 503 instead of hanging. */
const COMMAND_TIMEOUT_MS = 5000;

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
  /** The steps of one turn of the event loop go to Redis as one script. */
  readonly #steps = new TurnBatch<RedisStep, StepResult>((steps) => this.#runBatch(steps));

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async takeToken(bucket: string, limit: RateLimit): Promise<RateDecision> {
    return decision(await this.#steps.add({ kind: 'take', rate: stepRate({ bucket, limit }) }));
  }

  async charge(key: string, day: string, usage: UsageCounts, quota: Quota | undefined): Promise<boolean> {
    return (await this.#steps.add({ kind: 'charge', key, day, usage, quota })).charged;
  }

  async admit(rate: BucketRate | undefined, key: string, day: string, usage: UsageCounts, quota: Quota | undefined): Promise<Admission> {
    const result = await this.#steps.add({ kind: 'admit', rate: rate && stepRate(rate), key, day, usage, quota });
    return { rate: decision(result), charged: result.charged };
  }

  async refund(key: string, day: string, usage: UsageCounts): Promise<void> {
    await this.settle(key, day, usage, NO_USAGE);
  }

  async record(key: string, day: string, usage: UsageCounts): Promise<void> {
    await this.settle(key, day, NO_USAGE, usage);
  }

  async settle(key: string, day: string, back: UsageCounts, more: UsageCounts): Promise<void> {
    await this.#steps.add({ kind: 'settle', key, day, back, more });
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

  /** One EVALSHA for the batch, loading the script on first use (or after Redis restarted without it). */
  async #runBatch(steps: RedisStep[]): Promise<StepOutcome<StepResult>[]> {
    const { keys, args } = encodeSteps(steps);
    let reply: unknown;
    try {
      reply = await this.#redis.evalsha(BATCH_SCRIPT.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      reply = await this.#redis.eval(BATCH_SCRIPT.source, keys.length, ...keys, ...args);
    }
    return decodeResults(reply, steps.length).map((value) => ({ ok: true, value }));
  }
}

function decision(result: StepResult): RateDecision {
  return result.allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: result.retryAfterSeconds };
}

function usageOf(values: (string | null)[]): UsageCounts {
  const [requests, documents, searchUnits, tokens] = values.map((value) => Number(value ?? 0));
  return { ...NO_USAGE, requests: requests ?? 0, documents: documents ?? 0, searchUnits: searchUnits ?? 0, tokens: tokens ?? 0 };
}
