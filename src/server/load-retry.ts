/**
 * Retrying a model load that failed for a reason that may pass (the hub unreachable, a download
 * cut off): capped exponential backoff with jitter, so a fleet of servers that lost the hub
 * together does not return to it together.
 */
import { isRerankError } from '../core/errors.js';

/** How a server retries a failed model load. */
export interface LoadRetryOptions {
  /** The first wait (default 5 s); each next one doubles. */
  initialDelayMs?: number;
  /** The longest wait (default 5 minutes). */
  maxDelayMs?: number;
}

/** Where a server's model load stands, for `/health`. */
export interface LoadStatus {
  /** Loads tried so far (the one running included). */
  attempts: number;
  /** When the next try starts (ms since the epoch), while one is scheduled. */
  nextRetryAt?: number;
}

/**
 * The wait before try `attempt + 1`: `initial × 2^(attempt-1)`, capped at `max`, then scaled by a
 * random factor in [0.5, 1).
 */
export function retryDelay(attempt: number, options: LoadRetryOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialDelayMs ?? 5_000;
  const max = options.maxDelayMs ?? 300_000;
  const capped = Math.min(max, initial * 2 ** Math.max(0, attempt - 1));
  return Math.round(capped * (0.5 + random() / 2));
}

/**
 * Whether a failed load is worth another try: the network (hub unreachable or answering 5xx, a
 * download cut off) or a stall. A missing file, a refused token or a bad folder needs the
 * operator, not time.
 */
export function isRetryableLoadFailure(error: unknown): boolean {
  return isRerankError(error) && (error.code === 'network_error' || error.code === 'model_load_stalled');
}

/** An error's text as a client may see it: local file paths are the operator's business. */
export function withoutLocalPaths(text: string): string {
  return text.replace(/(?<![\w:/.])\/[^\s:;,()"']+/g, '<path>');
}

/** The first URL a reason names (the one a download tried), for `/health`. */
export function urlIn(text: string): string | undefined {
  return /https?:\/\/[^\s"'()]+?(?=[.,;:]?(?:\s|$|\)))/.exec(text)?.[0];
}
