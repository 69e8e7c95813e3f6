/**
 * What one request costs its caller, in scoring windows (a document, or one piece of a long one
 * cut by `max_chunks_per_doc`): the most it may take is reserved before it runs, so concurrent
 * requests can't overrun a quota; when it ends it is settled to the windows scored — also when
 * the client went away, since the model ran for it — and only a server failure is refunded.
 */
import type { RerankRequest } from '../core/contract.js';
import { isAbortError, isRerankError } from '../core/errors.js';
import type { CallerId } from './auth.js';
import type { QuotaLedger } from './quota.js';

export class RequestCharge {
  readonly #ledger: QuotaLedger | undefined;
  readonly #caller: CallerId;
  readonly #documents: number;
  readonly #reserved: number;
  #scored = 0;

  constructor(ledger: QuotaLedger | undefined, caller: CallerId, request: RerankRequest) {
    this.#ledger = ledger;
    this.#caller = caller;
    this.#documents = request.documents.length;
    this.#reserved = this.#documents * (request.max_chunks_per_doc ?? 1);
  }

  /** Reserves the most the request may take; false (nothing charged) when the quota has no room. */
  reserve(): boolean {
    return this.#ledger?.charge(this.#caller, this.#reserved) ?? true;
  }

  /** Counts windows the model has scored for the request. */
  scored(windows: number): void {
    this.#scored += windows;
  }

  /** Settles a completed request; returns the windows it is billed. */
  completed(): number {
    // An upstream reports no windows: each document counts as one.
    const windows = this.#scored > 0 ? this.#scored : this.#documents;
    this.#ledger?.settle(this.#caller, this.#reserved, windows);
    return windows;
  }

  /** Settles a request that failed with `error`: what was scored if the client left, else nothing. */
  failed(error: unknown): void {
    if (wasAbandoned(error)) this.#ledger?.settle(this.#caller, this.#reserved, this.#scored);
    else this.#ledger?.refund(this.#caller, this.#reserved);
  }
}

/** True when a rerank ended because its client went away. */
export function wasAbandoned(error: unknown): boolean {
  return isAbortError(error) || (isRerankError(error) && error.code === 'aborted');
}
