/**
 * `rerankStream()` for every reranker, written once: each runtime only forwards `onPartial` across
 * its boundary (a thread message, a comlink callback, a server-sent event), and this turns the
 * callbacks and the final answer into one async iterable.
 */
import { AbortError } from './errors.js';
import type { RerankInput, RerankResponse } from './contract.js';
import type { RerankOptions, RerankPartial, RerankStreamItem } from './reranker.js';

/** A `rerank()` that can take `onPartial`. */
export type PartialRerank<R extends RerankInput = RerankInput> = (request: R, options: RerankOptions) => Promise<RerankResponse>;

/** The stream's last item, built from `rerank()`'s answer. */
export function finalItem(response: RerankResponse, total: number): RerankStreamItem {
  const unscored = response.meta?.unscored?.length ?? 0;
  return { ...response, scored: total - unscored, total, done: true };
}

/**
 * Runs `rerank` with an `onPartial` that feeds the returned iterable. Partials are queued until
 * read, so a slow reader misses none. The work stops when `options.signal` aborts or the reader
 * leaves the loop early (the iterator's `return()`).
 */
export function streamRerank<R extends RerankInput>(rerank: PartialRerank<R>, request: R, options: RerankOptions = {}): AsyncIterable<RerankStreamItem> {
  return {
    [Symbol.asyncIterator]: () => partialIterator(rerank, request, options),
  };
}

function partialIterator<R extends RerankInput>(rerank: PartialRerank<R>, request: R, options: RerankOptions): AsyncIterator<RerankStreamItem> {
  // The work's own signal: fired by the caller's signal or by leaving the loop (AbortSignal.any
  // would do it, but is too new for some browsers webrerank supports).
  const stop = new AbortController();
  const signal = stop.signal;
  const queued: RerankStreamItem[] = [];
  let failure: { error: unknown } | undefined;
  let finished = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  const onPartial = (partial: RerankPartial): void => {
    if (finished) return;
    queued.push(partial);
    options.onPartial?.(partial);
    notify();
  };
  // The caller's abort ends the stream at once: partials not yet read are dropped.
  const onAbort = (): void => {
    stop.abort(options.signal?.reason);
    if (finished) return;
    failure = { error: new AbortError(undefined, { cause: options.signal?.reason }) };
    queued.length = 0;
    finished = true;
    notify();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop.abort(options.signal.reason);
  const total = request.documents?.length ?? 0;
  rerank(request, { ...options, signal, onPartial })
    .then(
      (response) => {
        if (!finished) queued.push(finalItem(response, total));
      },
      (error: unknown) => {
        failure ??= { error };
      },
    )
    .finally(() => {
      finished = true;
      options.signal?.removeEventListener('abort', onAbort);
      notify();
    });
  const end = (): IteratorReturnResult<undefined> => ({ done: true, value: undefined });
  let ended = false;
  return {
    async next() {
      for (;;) {
        if (ended) return end();
        const item = queued.shift();
        if (item) {
          if (item.done) ended = true;
          return { done: false, value: item };
        }
        if (failure) {
          ended = true;
          throw failure.error;
        }
        if (finished) return end();
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async return() {
      if (!ended && !finished) stop.abort(new AbortError('The stream was closed before it ended.'));
      ended = true;
      return end();
    },
  };
}
