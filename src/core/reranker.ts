/**
 * The one interface every reranker implements — the in-thread engine, the worker client and the
 * remote client — so callers can't tell them apart.
 */
import type { Backend, Dtype, RerankInput, RerankResponse } from './contract.js';

export interface RerankOptions {
  /** Cancels the call; honoured between batches. Rejects with an `AbortError`. */
  signal?: AbortSignal;
  /**
   * Called once when this request's inference begins, after it waited its turn: lets a server
   * tell queueing time from inference time. A remote reranker never calls it.
   */
  onStart?: () => void;
  /**
   * Called after each batch with the windows (a document, or one piece of a long one) it scored:
   * what the request has cost so far, also when it is cancelled afterwards. A server charges by
   * it. A remote reranker never calls it.
   */
  onScored?: (windows: number) => void;
}

/** What a reranker is and what it has done, for display and diagnostics. */
export interface RerankerInfo {
  /** Where inference runs now; null before a model has loaded. */
  backend: Backend | null;
  dtype: Dtype | string | null;
  state: 'idle' | 'loading' | 'ready' | 'failed';
  /** Model ids this reranker serves. */
  models: string[];
  /** Threads the runtime was given, when known. */
  threads?: number;
  /** Backends that were tried and failed, in order, with why. */
  fallbacks?: { backend: Backend; dtype: string; reason: string }[];
  /** Why the last load failed, when `state` is `failed`. */
  error?: string;
  /**
   * True when the loaded model is a generated stand-in with random weights (its `config.json`
   * says so): its scores mean nothing, and every response's `meta.warnings` repeats it.
   */
  standin?: boolean;
  /** Why reranking moved from this device to the remote server, once it has (`auto` mode). */
  fallbackReason?: string;
}

export interface Reranker {
  /** Ranks `request.documents` against `request.query`; the hosted API's response shape. */
  rerank(request: RerankInput, options?: RerankOptions): Promise<RerankResponse>;
  info(): Promise<RerankerInfo>;
  /** Frees the model (and worker). Later calls reject. */
  dispose(): Promise<void>;
}
