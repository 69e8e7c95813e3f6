/**
 * What one request costs its caller, in scoring windows (a document, or one piece of a long one
 * cut by `max_chunks_per_doc`): the most it may take is reserved before it runs, so concurrent
 * requests can't overrun a quota; when it ends it is settled to the windows it took — also when
 * the client went away, since the model ran for it — and only a server failure is refunded.
 *
 * Who counts the windows is said once, when the charge is made (`Metering`): the engine reports
 * each window it scores or answers from its score cache, so a request that scored none (a
 * `budget_ms` of 0) costs none; an upstream reports none, and is billed as it bills — one window
 * per document sent to it.
 */
import type { RerankRequest } from '../core/contract.js';
import { isAbortError, isRerankError } from '../core/errors.js';
import type { Caller } from './auth.js';
import type { Charge, KeyLimits } from './key-limits.js';

/**
 * `windows`: the reranker reports its windows (`onScored`), the cached ones included. `upstream`:
 * it forwards to a service that reports none; once the request is sent, each document is a window.
 */
export type Metering = 'windows' | 'upstream';

export class RequestCharge {
  readonly #documents: number;
  readonly #reserved: number;
  readonly #charge: Charge;
  readonly #metering: Metering;
  #scored = 0;
  #sent = false;

  private constructor(request: RerankRequest, reserved: number, charge: Charge, metering: Metering) {
    this.#documents = request.documents.length;
    this.#reserved = reserved;
    this.#charge = charge;
    this.#metering = metering;
  }

  /**
   * Takes the request's rate token and reserves the most it may take, in one store step; throws
   * 429 `rate_limited` past the key's rate and 402 `quota_exceeded` when the quota has no room.
   */
  static async reserve(limits: KeyLimits, caller: Caller, request: RerankRequest, metering: Metering): Promise<RequestCharge> {
    const reserved = request.documents.length * (request.max_chunks_per_doc ?? 1);
    return new RequestCharge(request, reserved, await limits.admit(caller, reserved), metering);
  }

  /** The work began: the engine took its first batch, or the request went to the upstream. */
  started(): void {
    this.#sent = true;
  }

  /** Counts windows the model has scored (or answered from its cache) for the request. */
  scored(windows: number): void {
    this.#scored += windows;
  }

  /**
   * Settles a completed request of `tokens` tokens; returns the windows it is billed. Given
   * `waitUntil`, the store step that settles them is handed to it and may finish after the answer.
   */
  async completed(tokens: number, waitUntil?: (work: Promise<void>) => void): Promise<number> {
    // An answer from an upstream means it was sent, whether or not a start was reported.
    this.#sent = true;
    const windows = this.#billed();
    const settled = this.#charge.settle(windows, tokens);
    if (waitUntil) waitUntil(settled);
    else await settled;
    return windows;
  }

  /**
   * Settles a request that failed with `error`: what it took if the client left (the windows
   * reported, or with an upstream every document once it was sent), else nothing. Returns the
   * windows billed.
   */
  async failed(error: unknown): Promise<number> {
    if (!wasAbandoned(error)) {
      await this.#charge.refund();
      return 0;
    }
    const windows = this.#billed();
    await this.#charge.settle(windows, 0);
    return windows;
  }

  #billed(): number {
    const taken = this.#metering === 'windows' ? this.#scored : this.#sent ? this.#documents : 0;
    return Math.min(this.#reserved, taken);
  }
}

/** True when a rerank ended because its client went away. */
export function wasAbandoned(error: unknown): boolean {
  return isAbortError(error) || (isRerankError(error) && error.code === 'aborted');
}
