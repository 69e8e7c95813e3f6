/**
 * The one interface every reranker implements — the in-thread engine, the worker client and the
 * remote client — so callers can't tell them apart.
 */
import type { Backend, Dtype, RerankInput, RerankRequest, RerankResponse, RerankResult } from './contract.js';

/** A stream's progress before the end: the documents scored so far, ranked among themselves. */
export interface RerankPartial {
  /** The scored documents, best first, cut to `top_n`; texts are left out. */
  results: RerankResult[];
  /** Documents scored so far (from the model or the score cache). */
  scored: number;
  /** Documents in the request. */
  total: number;
  done: false;
}

/** A stream's last item: exactly what `rerank()` answers, with the final counts. */
export type RerankFinal = RerankResponse & { scored: number; total: number; done: true };

/** One item of `rerankStream()`. */
export type RerankStreamItem = RerankPartial | RerankFinal;

export interface RerankOptions {
  /** Cancels the call; honoured between batches. Rejects with an `AbortError`. */
  signal?: AbortSignal;
  /**
   * Called once when this request's inference begins, after it waited its turn: lets a server
   * tell queueing time from inference time. A remote reranker calls it when it first sends the
   * request: from then on the upstream may bill for it.
   */
  onStart?: () => void;
  /**
   * Called after each batch with the windows (a document, or one piece of a long one) it scored,
   * and once before the first with the windows the score cache answered: what the request has cost
   * so far, also when it is cancelled afterwards. A server charges by it. A remote reranker never
   * calls it (its upstream counts the work).
   */
  onScored?: (windows: number) => void;
  /**
   * Called after each batch that scores more documents, with the documents scored so far. What
   * `rerankStream()` is built on; every runtime forwards it across its boundary.
   */
  onPartial?: (partial: RerankPartial) => void;
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
  /**
   * Ranks as `rerank()` does, yielding a partial ranking after each batch; the last item has
   * `done: true` and is exactly `rerank()`'s answer. Aborting `signal`, or leaving the loop early,
   * stops the work; an abort rejects the pending iteration with an `AbortError`.
   *
   * @example
   * for await (const item of reranker.rerankStream({ model, query, documents })) {
   *   show(item.results, `${item.scored}/${item.total}`);
   * }
   */
  rerankStream(request: RerankInput, options?: RerankOptions): AsyncIterable<RerankStreamItem>;
  /**
   * Ranks a request that its caller has already validated against the same limits (as the server
   * does at its door), so it is not validated twice; only its shape is checked where it crosses a
   * thread or worker. Rerankers without it are given the request through `rerank()`.
   */
  rerankValidated?(request: RerankRequest, options?: RerankOptions): Promise<RerankResponse>;
  info(): Promise<RerankerInfo>;
  /** Frees the model (and worker). Later calls reject. */
  dispose(): Promise<void>;
}
