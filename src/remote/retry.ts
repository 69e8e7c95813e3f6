/**
 * When and how long to wait before trying an HTTP request again: which failures are worth a retry,
 * exponential backoff, `Retry-After`, and a wait that an `AbortSignal` cuts short.
 *
 * Pure and runtime-neutral (timers and AbortSignal only), so the remote client uses it in browsers,
 * Node and edge runtimes alike.
 */
import { AbortError } from '../core/errors.js';

/** How a client retries; see {@link DEFAULT_RETRY_POLICY} for the defaults. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 disables retrying). */
  retries: number;
  /** The first backoff; each later one doubles. */
  retryDelayMs: number;
  /**
   * The longest wait before a retry. A `Retry-After` longer than this ends the retries at once:
   * waiting only the cap would earn another refusal.
   */
  maxRetryDelayMs: number;
}

/** ky's defaults: 2 retries, backoff from 300 ms; waits capped at 30 s. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({ retries: 2, retryDelayMs: 300, maxRetryDelayMs: 30_000 });

/**
 * Statuses that say "try again later": timeouts, rate limits and server-side failures. Never 400,
 * 401, 402 or 413 — the same request would fail the same way.
 */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Whether a response with this HTTP status is worth sending again. */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * Milliseconds a `Retry-After` header asks for — delta-seconds or an HTTP date — or undefined when
 * it is absent or unreadable. A date in the past means "now" (0).
 *
 * @example
 * parseRetryAfter('3'); // 3000
 * parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', Date.parse('Wed, 21 Oct 2026 07:27:58 GMT')); // 2000
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its day and month; without letters, Date.parse would read "-5" as a year.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * The wait before retry number `retry` (0 for the first): `retryDelayMs · 2^retry`, capped, with
 * "equal jitter" (between half and all of it) so clients that failed together don't retry together.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxRetryDelayMs, policy.retryDelayMs * 2 ** retry);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Resolves after `ms`, or rejects at once with an AbortError when `signal` fires (before or
 * during the wait). The timer is cleared either way, so nothing keeps a process alive.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError(undefined, { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortError(undefined, { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
