/**
 * Per-caller quota: how many requests and/or documents a caller may have ranked in the life of
 * the process. Exhausted → 402, as the hosted API answers "insufficient quota". In memory, per
 * process (or per isolate on an edge runtime); a shared store would replace this class.
 */
import type { CallerId } from './auth.js';

export interface Quota {
  /** Requests each caller may make. */
  requests?: number;
  /** Documents each caller may have ranked, summed over requests. */
  documents?: number;
}

/**
 * Counts what each caller has used. A request is charged before it runs and refunded if it
 * fails, so concurrent requests can't overrun the quota and a server failure costs the caller
 * nothing.
 *
 * @example
 * const ledger = new QuotaLedger({ documents: 10_000 });
 * if (!ledger.charge('key-1', request.documents.length)) respondWith402();
 */
export class QuotaLedger {
  readonly #quota: Quota;
  readonly #used = new Map<CallerId, { requests: number; documents: number }>();

  constructor(quota: Quota) {
    for (const [name, value] of Object.entries(quota)) {
      if (value !== undefined && !(Number.isInteger(value) && value >= 0)) throw new RangeError(`quota.${name} must be a non-negative integer, got ${value}.`);
    }
    this.#quota = quota;
  }

  /** Charges one request of `documents` documents; false (nothing charged) when it would exceed the quota. */
  charge(caller: CallerId, documents: number): boolean {
    const used = this.#used.get(caller) ?? { requests: 0, documents: 0 };
    if (this.#quota.requests !== undefined && used.requests + 1 > this.#quota.requests) return false;
    if (this.#quota.documents !== undefined && used.documents + documents > this.#quota.documents) return false;
    used.requests += 1;
    used.documents += documents;
    this.#used.set(caller, used);
    return true;
  }

  /** Gives back a charge whose request failed. */
  refund(caller: CallerId, documents: number): void {
    const used = this.#used.get(caller);
    if (!used) return;
    used.requests = Math.max(0, used.requests - 1);
    used.documents = Math.max(0, used.documents - documents);
  }
}
