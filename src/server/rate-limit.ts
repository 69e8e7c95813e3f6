/**
 * Per-caller rate limiting with a token bucket: a caller may burst up to `burst` requests, then
 * `requestsPerSecond` on average. In memory, per process (or per isolate on an edge runtime).
 */
import type { CallerId } from './auth.js';

export interface RateLimit {
  /** Sustained requests per second per caller. */
  requestsPerSecond: number;
  /** Requests a caller may make at once after a quiet spell (default: one second's worth, at least 1). */
  burst?: number;
}

/** The verdict on one request. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Token buckets, one per caller, created full on first sight.
 *
 * @example
 * const limiter = new TokenBucketLimiter({ requestsPerSecond: 5, burst: 10 });
 * if (!limiter.take('key-1').allowed) respondWith429();
 */
export class TokenBucketLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #buckets = new Map<CallerId, { tokens: number; at: number }>();

  constructor(limit: RateLimit, now: () => number = Date.now) {
    if (!(limit.requestsPerSecond > 0)) throw new RangeError(`requestsPerSecond must be positive, got ${limit.requestsPerSecond}.`);
    this.#rate = limit.requestsPerSecond / 1000;
    this.#burst = limit.burst ?? Math.max(1, Math.ceil(limit.requestsPerSecond));
    if (!(this.#burst >= 1)) throw new RangeError(`burst must be at least 1, got ${limit.burst}.`);
    this.#now = now;
  }

  /** Takes one token for `caller`, or says how many whole seconds until one is back. */
  take(caller: CallerId): RateDecision {
    const now = this.#now();
    const bucket = this.#buckets.get(caller) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#rate);
    bucket.at = now;
    this.#buckets.set(caller, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#rate / 1000)) };
  }
}
