/**
 * Per-caller rate limiting with a token bucket: a caller may burst up to `burst` requests, then
 * `requestsPerSecond` on average. The arithmetic is one pure function, so the memory and SQLite
 * stores share it (Redis runs the same steps in a server-side script).
 */
import { RerankError } from '../core/errors.js';

export interface RateLimit {
  /** Sustained requests per second per caller. */
  requestsPerSecond: number;
  /** Requests a caller may make at once after a quiet spell (default: one second's worth, at least 1). */
  burst?: number;
}

/** The verdict on one request. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A bucket's saved state: tokens left at time `at` (ms). */
export interface BucketState {
  tokens: number;
  at: number;
}

/** The burst a limit allows: as given, else one second's worth (at least 1). Throws on nonsense. */
export function burstOf(limit: RateLimit): number {
  if (!(limit.requestsPerSecond > 0)) throw new RangeError(`requestsPerSecond must be positive, got ${limit.requestsPerSecond}.`);
  const burst = limit.burst ?? Math.max(1, Math.ceil(limit.requestsPerSecond));
  if (!(burst >= 1)) throw new RangeError(`burst must be at least 1, got ${limit.burst}.`);
  return burst;
}

/**
 * Refills `state` (a full bucket when there is none yet) up to `now` and takes one token if there
 * is one. Returns the new state to save and the verdict.
 */
export function takeFromBucket(state: BucketState | undefined, limit: RateLimit, now: number): { state: BucketState; decision: RateDecision } {
  const burst = burstOf(limit);
  const perMillisecond = limit.requestsPerSecond / 1000;
  const previous = state ?? { tokens: burst, at: now };
  const tokens = Math.min(burst, previous.tokens + Math.max(0, now - previous.at) * perMillisecond);
  if (tokens >= 1) return { state: { tokens: tokens - 1, at: now }, decision: { allowed: true } };
  return { state: { tokens, at: now }, decision: { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMillisecond / 1000)) } };
}

/** The 429 of a key past its rate: when to retry is in Retry-After. */
export function rateLimitedError(retryAfterSeconds: number): RerankError {
  return new RerankError('rate_limited', 'Too many requests for this API key; retry after the time in Retry-After.', { retryAfter: retryAfterSeconds });
}
