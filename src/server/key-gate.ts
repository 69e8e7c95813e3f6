/**
 * The gate in front of the API routes: the failed-key limit per client address, the key itself,
 * then the rate limit per key — in that order, so that a blocked address learns nothing about
 * its guesses and a valid key never spends the failure budget.
 */
import { RerankError, isRerankError } from '../core/errors.js';
import type { ApiKeyVerifier, Caller } from './auth.js';
import type { AuthFailureLimiter } from './auth-failures.js';
import { rateLimitedError, type RateDecision } from './rate-limit.js';

export interface KeyGate {
  /**
   * The caller behind `authorization` from `address`, or the error to answer with. `takeRate`
   * false leaves the rate to a later step that takes it together with the request's charge.
   */
  admit(authorization: string | undefined, address: string | undefined, takeRate?: boolean): Promise<Caller | RerankError>;
}

/** `take` takes one request from a caller's rate (the limits store's token bucket). */
export function createKeyGate(verifier: ApiKeyVerifier, take: (caller: Caller) => Promise<RateDecision>, failures: AuthFailureLimiter | undefined): KeyGate {
  return {
    async admit(authorization, address, takeRate = true) {
      const tracked = verifier.open || address === undefined ? undefined : failures;
      const allowed = tracked?.check(address as string);
      if (allowed && !allowed.allowed) {
        return new RerankError('rate_limited', 'Too many failed API keys from this address; retry after the time in Retry-After.', { retryAfter: allowed.retryAfterSeconds });
      }
      const caller = await verifier.identify(authorization);
      if (caller === null) {
        tracked?.failed(address as string);
        return new RerankError('unauthorized', 'Missing or invalid API key. Send "Authorization: Bearer <key>".');
      }
      if (!takeRate) return caller;
      // The limits store being unreachable is an answer too (503 limits_unavailable).
      const decision = await take(caller).catch((error: unknown) => (isRerankError(error) ? error : Promise.reject(error)));
      if (decision instanceof RerankError) return decision;
      return decision.allowed ? caller : rateLimitedError(decision.retryAfterSeconds);
    },
  };
}
