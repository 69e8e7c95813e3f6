/**
 * Failed authentication, limited per client address: after a burst of wrong keys an address is
 * answered 429 with `Retry-After` — before its key is even looked at, or a guesser would still
 * learn which guess was right. Valid keys never take from these buckets, so callers who
 * authenticate are not slowed. In memory, per process (or per isolate on an edge runtime).
 */
import { burstOf, takeFromBucket, type BucketState, type RateDecision, type RateLimit } from './rate-limit.js';

/** Default: 20 wrong keys at once per address, then one a second. */
export const DEFAULT_AUTH_FAILURE_LIMIT: Readonly<Required<RateLimit>> = Object.freeze({ requestsPerSecond: 1, burst: 20 });

/**
 * Most addresses remembered at once; past it the table starts afresh. A flood of addresses can
 * then guess a burst each, which is what they could do with a table of any size.
 */
const MAX_TRACKED_ADDRESSES = 10_000;

export class AuthFailureLimiter {
  readonly #limit: RateLimit;
  readonly #now: (() => number) | undefined;
  #buckets = new Map<string, BucketState>();
  #blocked = new Map<string, number>();

  constructor(limit: RateLimit = DEFAULT_AUTH_FAILURE_LIMIT, now?: () => number) {
    burstOf(limit);
    this.#limit = limit;
    this.#now = now;
  }

  /** Whether `address` may try a key now; if not, how long until it may. */
  check(address: string): RateDecision {
    const until = this.#blocked.get(address);
    if (until === undefined) return { allowed: true };
    const wait = until - this.#clock();
    if (wait <= 0) {
      this.#blocked.delete(address);
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
  }

  /** Counts a failed attempt from `address`; once its burst is spent it is blocked for a while. */
  failed(address: string): void {
    if (!this.#buckets.has(address) && this.#buckets.size >= MAX_TRACKED_ADDRESSES) this.#forget();
    const { state, decision } = takeFromBucket(this.#buckets.get(address), this.#limit, this.#clock());
    this.#buckets.set(address, state);
    if (!decision.allowed) this.#blocked.set(address, this.#clock() + decision.retryAfterSeconds * 1000);
  }

  #forget(): void {
    this.#buckets = new Map();
    this.#blocked = new Map();
  }

  #clock(): number {
    return (this.#now ?? Date.now)();
  }
}
