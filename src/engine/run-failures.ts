/**
 * What the engine says when a runtime lets it down: a run that overflowed (NaN/Inf), the warning a
 * response carries when another runtime answered instead, and the code of a load that failed.
 */
import { RerankError, messageOf } from '../core/errors.js';
import type { RerankResponse } from '../core/contract.js';
import type { CrossEncoder } from './cross-encoder.js';
import { isOutOfMemory } from './out-of-memory.js';

/**
 * The model answered NaN or ±Infinity — fp16 overflow is the usual cause — while another runtime
 * is left to try: the request is run again there rather than refused.
 */
export class NonFiniteLogits extends Error {
  constructor(encoder: CrossEncoder, count: number, total: number) {
    super(`NaN or infinite logits on ${encoder.backend}/${encoder.dtype}${encoder.dtype === 'fp16' ? ' (fp16 overflow)' : ''}: ${count} in a batch of the request's ${total} pairs`);
    this.name = 'NonFiniteLogits';
  }
}

/** A load that failed everywhere keeps the last failure's code for OOM, the network or missing files. */
export function loadFailureCode(failure: unknown): RerankError['code'] {
  if (isOutOfMemory(failure)) return 'out_of_memory';
  if (failure instanceof RerankError && (failure.code === 'network_error' || failure.code === 'model_unavailable')) return failure.code;
  return 'model_load_failed';
}

/** The sentence a response carries when `to` answered because a run on `from` failed. */
export function fallbackWarning(from: Pick<CrossEncoder, 'backend' | 'dtype'>, to: Pick<CrossEncoder, 'backend' | 'dtype'>, error: unknown): string {
  return `Computed on ${to.backend}/${to.dtype} because the run on ${from.backend}/${from.dtype} failed (${messageOf(error)}).`;
}

/** `response` with `warnings` added to its `meta.warnings`. */
export function withWarnings(response: RerankResponse, warnings: readonly string[]): RerankResponse {
  if (warnings.length === 0 || !response.meta) return response;
  return { ...response, meta: { ...response.meta, warnings: [...warnings, ...(response.meta.warnings ?? [])] } };
}
