/**
 * Where the server keeps what must outlive a request: token buckets, what each key has used
 * against its quota, and usage per key and UTC day. One interface, three homes: this process's
 * memory (below), a SQLite file (durable across restarts) and Redis (shared by replicas). Every
 * method is one atomic step in its store, so no interleaving of requests or replicas can overrun
 * a limit. Web APIs only: the app that calls it runs on edge runtimes too.
 */
import { fitsQuota, type Quota } from './quota.js';
import { takeFromBucket, type BucketState, type RateDecision, type RateLimit } from './rate-limit.js';

/** What one key used on one UTC day (or in all). */
export interface UsageCounts {
  requests: number;
  documents: number;
  /** Billed search units (one per query of up to 100 documents), as the hosted API bills them. */
  searchUnits: number;
  tokens: number;
}

/** A rate to take a token from: the bucket's name and its limit. */
export interface BucketRate {
  bucket: string;
  limit: RateLimit;
}

/** How a request's admission went: the rate's verdict, and whether it was charged. */
export interface Admission {
  rate: RateDecision;
  /** False when the rate refused (nothing is charged then) or the quota had no room. */
  charged: boolean;
}

export interface LimitsStore {
  /** `memory`, `sqlite` or `redis`: what `/health/ready` and the startup banner name. */
  readonly kind: string;
  /** Takes one token from the bucket named `bucket` (created full), or says when one is back. */
  takeToken(bucket: string, limit: RateLimit): Promise<RateDecision>;
  /**
   * Adds `usage` to `key`'s totals and to its usage on `day` (`YYYY-MM-DD`, UTC) unless the totals
   * would pass `quota`; false (nothing charged) then. Check and charge are one step, across every
   * replica sharing the store.
   */
  charge(key: string, day: string, usage: UsageCounts, quota: Quota | undefined): Promise<boolean>;
  /**
   * Admits a request in one atomic step: takes a token from `rate` (when there is one) and, if
   * there was one, charges `usage` as {@link LimitsStore.charge} does. One step, not two, because
   * it is on every request's path before the model runs.
   */
  admit(rate: BucketRate | undefined, key: string, day: string, usage: UsageCounts, quota: Quota | undefined): Promise<Admission>;
  /** Takes back a charge (never below zero), e.g. of a request that failed. */
  refund(key: string, day: string, usage: UsageCounts): Promise<void>;
  /** Adds to `key`'s totals and usage on `day` without a check (what is only known afterwards: tokens). */
  record(key: string, day: string, usage: UsageCounts): Promise<void>;
  /**
   * Settles a charged request in one step: takes `back` away (never below zero, as
   * {@link LimitsStore.refund}) and adds `more` (as {@link LimitsStore.record}). One step, not two,
   * because it is on every request's path.
   */
  settle(key: string, day: string, back: UsageCounts, more: UsageCounts): Promise<void>;
  /** `key`'s totals since its first request, and its usage on `day`. */
  usage(key: string, day: string): Promise<{ total: UsageCounts; day: UsageCounts }>;
  /** Resolves when the store answers; rejects when it can't be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const NO_USAGE: Readonly<UsageCounts> = Object.freeze({ requests: 0, documents: 0, searchUnits: 0, tokens: 0 });

/** The verdict of no rate limit. */
export const ALLOWED: RateDecision = Object.freeze({ allowed: true });

/** `YYYY-MM-DD` of `time` in UTC: the day usage is counted under. */
export function utcDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** Adds usage counts field by field. */
export function addUsage(a: UsageCounts, b: UsageCounts): UsageCounts {
  return { requests: a.requests + b.requests, documents: a.documents + b.documents, searchUnits: a.searchUnits + b.searchUnits, tokens: a.tokens + b.tokens };
}

/** Subtracts usage counts field by field, never below zero. */
export function subtractUsage(a: UsageCounts, b: UsageCounts): UsageCounts {
  return {
    requests: Math.max(0, a.requests - b.requests),
    documents: Math.max(0, a.documents - b.documents),
    searchUnits: Math.max(0, a.searchUnits - b.searchUnits),
    tokens: Math.max(0, a.tokens - b.tokens),
  };
}

/**
 * The store of one process: nothing survives a restart and replicas don't share it. The default
 * when no quota is set (a rate limit alone needs no durability).
 *
 * @example
 * const app = createServerApp({ reranker, store: new MemoryLimitsStore() });
 */
export class MemoryLimitsStore implements LimitsStore {
  readonly kind = 'memory';
  readonly #now: () => number;
  readonly #buckets = new Map<string, BucketState>();
  /** Totals by key, and usage by `[key, day]` (JSON). */
  readonly #usage = new Map<string, UsageCounts>();

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async takeToken(bucket: string, limit: RateLimit): Promise<RateDecision> {
    const { state, decision } = takeFromBucket(this.#buckets.get(bucket), limit, this.#now());
    this.#buckets.set(bucket, state);
    return decision;
  }

  async charge(key: string, day: string, usage: UsageCounts, quota: Quota | undefined): Promise<boolean> {
    if (!fitsQuota(this.#get(key), usage, quota)) return false;
    await this.record(key, day, usage);
    return true;
  }

  async admit(rate: BucketRate | undefined, key: string, day: string, usage: UsageCounts, quota: Quota | undefined): Promise<Admission> {
    const decision = rate ? await this.takeToken(rate.bucket, rate.limit) : ALLOWED;
    return { rate: decision, charged: decision.allowed && (await this.charge(key, day, usage, quota)) };
  }

  async refund(key: string, day: string, usage: UsageCounts): Promise<void> {
    for (const id of [key, JSON.stringify([key, day])]) this.#usage.set(id, subtractUsage(this.#usage.get(id) ?? NO_USAGE, usage));
  }

  async record(key: string, day: string, usage: UsageCounts): Promise<void> {
    for (const id of [key, JSON.stringify([key, day])]) this.#usage.set(id, addUsage(this.#usage.get(id) ?? NO_USAGE, usage));
  }

  async settle(key: string, day: string, back: UsageCounts, more: UsageCounts): Promise<void> {
    await this.refund(key, day, back);
    await this.record(key, day, more);
  }

  async usage(key: string, day: string): Promise<{ total: UsageCounts; day: UsageCounts }> {
    return { total: this.#get(key), day: this.#get(JSON.stringify([key, day])) };
  }

  #get(id: string): UsageCounts {
    return { ...(this.#usage.get(id) ?? NO_USAGE) };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
