/**
 * Each API key's limits, applied through the limits store: its rate (429), its quota in requests
 * and scoring windows, reserved before a rerank runs and settled to what it took — refunded only
 * when the server failed it (402) — its usage by UTC day, and what its quota leaves. A key's own settings win over the server's. The store being unreachable becomes 503
 * `limits_unavailable` — or, with the `open` policy, no limit and one log line per outage.
 */
import { RerankError, isRerankError, messageOf } from '../core/errors.js';
import type { Caller } from './auth.js';
import { searchUnits } from './dialects/units.js';
import { ALLOWED, utcDay, type BucketRate, type LimitsStore, type UsageCounts } from './limits-store.js';
import type { Quota } from './quota.js';
import { rateLimitedError, type RateDecision, type RateLimit } from './rate-limit.js';
import type { UsageReport } from './service-schemas.js';

/** Seconds a client is asked to wait while the limits store is unreachable. */
export const STORE_RETRY_AFTER_SECONDS = 2;

export interface KeyLimitsOptions {
  store: LimitsStore;
  /** The server's defaults, for keys without their own. */
  rateLimit?: RateLimit;
  quota?: Quota;
  storeFailure: 'closed' | 'open';
  log: (line: string) => void;
  now: () => number;
}

/**
 * A charged rerank, reserved at the most windows it may take: settle it to the windows it was
 * billed (with its tokens), or refund it whole when the server failed it.
 */
export interface Charge {
  refund(): Promise<void>;
  settle(windows: number, tokens: number): Promise<void>;
}

export interface KeyLimits {
  /** Takes one request from the caller's rate, for a route that doesn't rerank. */
  take(caller: Caller): Promise<RateDecision>;
  /**
   * Admits a rerank, in one store step: takes one request from the caller's rate (429
   * `rate_limited` when there is none) and charges the most scoring windows it may take (a
   * window: a document, or one piece of a long document cut by `max_chunks_per_doc`; the quota's
   * `documents` counts windows), or throws 402 `quota_exceeded` past the quota.
   */
  admit(caller: Caller, windows: number): Promise<Charge>;
  /** The caller's usage today and in all, and what its quota leaves. */
  report(caller: Caller): Promise<UsageReport>;
}

/** The limits of every key, kept in `options.store`. */
export function createKeyLimits(options: KeyLimitsOptions): KeyLimits {
  const { store, log, now } = options;
  const limited = createStoreGuard(store, options.storeFailure, log);
  const rateOf = (caller: Caller): BucketRate | undefined => {
    const limit = caller.rateLimit ?? options.rateLimit;
    return limit && { bucket: `rate:${caller.id}`, limit };
  };

  return {
    async take(caller) {
      const rate = rateOf(caller);
      return rate ? limited(() => store.takeToken(rate.bucket, rate.limit), ALLOWED) : ALLOWED;
    },

    async admit(caller, windows) {
      const day = utcDay(now());
      const usage: UsageCounts = { requests: 1, documents: windows, searchUnits: searchUnits(windows), tokens: 0 };
      const quota = caller.quota ?? options.quota;
      const admission = await limited(() => store.admit(rateOf(caller), caller.id, day, usage, quota), { rate: ALLOWED, charged: true });
      if (!admission.rate.allowed) throw rateLimitedError(admission.rate.retryAfterSeconds);
      if (!admission.charged) throw new RerankError('quota_exceeded', 'This API key has used up its quota.');
      // Both steps after the rerank only log when the store fails: the caller's answer is already decided.
      return {
        async refund() {
          await limited(() => store.refund(caller.id, day, usage), undefined).catch((error: unknown) => log(`charge of a failed request of ${caller.id} not refunded: ${messageOf(error)}`));
        },
        async settle(billed, tokens) {
          // Give back the reserved windows that were not billed; the request itself stays counted.
          const unused = Math.max(0, windows - billed);
          const back = { requests: 0, documents: unused, searchUnits: searchUnits(windows) - searchUnits(windows - unused), tokens: 0 };
          if (unused === 0 && tokens === 0) return;
          const more = { requests: 0, documents: 0, searchUnits: 0, tokens };
          await limited(() => store.settle(caller.id, day, back, more), undefined).catch((error: unknown) => log(`charge of a request of ${caller.id} not settled: ${messageOf(error)}`));
        },
      };
    },

    async report(caller) {
      const day = utcDay(now());
      const usage = await limited(() => store.usage(caller.id, day));
      const quota = caller.quota ?? options.quota ?? {};
      const left = (limit: number | undefined, used: number) => (limit === undefined ? undefined : { limit, used, remaining: Math.max(0, limit - used) });
      const requests = left(quota.requests, usage.total.requests);
      const documents = left(quota.documents, usage.total.documents);
      return {
        key: caller.id,
        day,
        today: wireUsage(usage.day),
        total: wireUsage(usage.total),
        quota: { ...(requests ? { requests } : {}), ...(documents ? { documents } : {}) },
      };
    },
  };
}

/**
 * Runs store steps under the failure policy: an unreachable store becomes 503
 * `limits_unavailable` (closed), or the step's `fallback` (open). One log line per outage, not
 * per request. A step without a fallback fails closed either way.
 */
function createStoreGuard(store: LimitsStore, policy: 'closed' | 'open', log: (line: string) => void) {
  let down = false;
  return async function limited<T>(step: () => Promise<T>, ...fallback: [] | [T]): Promise<T> {
    try {
      const result = await step();
      if (down) log(`limits store (${store.kind}) reachable again`);
      down = false;
      return result;
    } catch (error) {
      if (isRerankError(error)) throw error;
      const serving = policy === 'open' && fallback.length > 0;
      if (!down) log(`limits store (${store.kind}) unreachable: ${messageOf(error)}${serving ? '; serving without limits (--store-failure open)' : ''}`);
      down = true;
      if (serving) return fallback[0] as T;
      throw new RerankError('limits_unavailable', 'The server cannot check limits right now; retry after the time in Retry-After.', { retryAfter: STORE_RETRY_AFTER_SECONDS, cause: error });
    }
  };
}

/** Usage counts in the wire's snake case. */
function wireUsage(usage: UsageCounts): UsageReport['today'] {
  return { requests: usage.requests, documents: usage.documents, search_units: usage.searchUnits, tokens: usage.tokens };
}
