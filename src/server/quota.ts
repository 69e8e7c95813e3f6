/**
 * Per-caller quota: how many requests and/or scoring windows a caller may have used in the life
 * of the process. A window is what the model scores once: a document, or one piece of a long
 * document cut by `max_chunks_per_doc`. Exhausted → 402, as the hosted API answers "insufficient quota". In memory, per
 * process (or per isolate on an edge runtime); a shared store would replace this class.
 */
import type { CallerId } from './auth.js';

export interface Quota {
  /** Requests each caller may make. */
  requests?: number;
  /** Windows each caller may have had scored, summed over requests (a short document is one). */
  documents?: number;
}

/**
 * Counts what each caller has used. A request is charged the most windows it may take before it
 * runs, so concurrent requests can't overrun the quota; once it ends it is settled to the windows
 * actually scored — a request the client abandoned included — and only a server failure is
 * refunded in full.
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

  /** Gives back the part of a `reserved` charge that was not `spent`; the request stays counted. */
  settle(caller: CallerId, reserved: number, spent: number): void {
    const used = this.#used.get(caller);
    if (used) used.documents = Math.max(0, used.documents - Math.max(0, reserved - spent));
  }

  /** Gives back a charge whose request failed. */
  refund(caller: CallerId, documents: number): void {
    const used = this.#used.get(caller);
    if (!used) return;
    used.requests = Math.max(0, used.requests - 1);
    used.documents = Math.max(0, used.documents - documents);
  }
}
