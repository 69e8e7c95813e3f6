/**
 * What one request costs its caller, in scoring windows (a document, or one piece of a long one
 * cut by `max_chunks_per_doc`): the most it may take is reserved before it runs, so concurrent
 * requests can't overrun a quota; when it ends it is settled to the windows scored — also when
 * the client went away, since the model ran for it — and only a server failure is refunded.
 */
import type { RerankRequest } from '../core/contract.js';
import { isAbortError, isRerankError } from '../core/errors.js';
import type { Caller } from './auth.js';
import type { Charge, KeyLimits } from './key-limits.js';

export class RequestCharge {
  readonly #documents: number;
  readonly #reserved: number;
  readonly #charge: Charge;
  #scored = 0;

  private constructor(request: RerankRequest, reserved: number, charge: Charge) {
    this.#documents = request.documents.length;
    this.#reserved = reserved;
    this.#charge = charge;
  }

  /**
   * Takes the request's rate token and reserves the most it may take, in one store step; throws
   * 429 `rate_limited` past the key's rate and 402 `quota_exceeded` when the quota has no room.
   */
  static async reserve(limits: KeyLimits, caller: Caller, request: RerankRequest): Promise<RequestCharge> {
    const reserved = request.documents.length * (request.max_chunks_per_doc ?? 1);
    return new RequestCharge(request, reserved, await limits.admit(caller, reserved));
  }

  /** Counts windows the model has scored for the request. */
  scored(windows: number): void {
    this.#scored += windows;
  }

  /**
   * Settles a completed request of `tokens` tokens; returns the windows it is billed. Given
   * `waitUntil`, the store step that settles them is handed to it and may finish after the answer.
   */
  async completed(tokens: number, waitUntil?: (work: Promise<void>) => void): Promise<number> {
    // An upstream reports no windows: each document counts as one.
    const windows = Math.min(this.#reserved, this.#scored > 0 ? this.#scored : this.#documents);
    const settled = this.#charge.settle(windows, tokens);
    if (waitUntil) waitUntil(settled);
    else await settled;
    return windows;
  }

  /** Settles a request that failed with `error`: what was scored if the client left, else nothing. */
  async failed(error: unknown): Promise<void> {
    if (wasAbandoned(error)) await this.#charge.settle(Math.min(this.#reserved, this.#scored), 0);
    else await this.#charge.refund();
  }
}

/** True when a rerank ended because its client went away. */
export function wasAbandoned(error: unknown): boolean {
  return isAbortError(error) || (isRerankError(error) && error.code === 'aborted');
}
