/**
 * The stream bench's page (bench/stream-chromium.ts): `window.streamBench` creates a reranker with
 * the given options, then times `rerankStream()` and `rerank()` on the page, worker round trip
 * included, as an app sees them.
 */
import { createReranker, type BrowserReranker, type BrowserRerankerOptions } from '../../src/index.js';
import type { RerankRequest, RerankResult } from '../../src/core/contract.js';

let reranker: BrowserReranker | undefined;

/** The ranking as (index, score) pairs: enough to compare two answers exactly. */
const ranking = (results: RerankResult[]) => results.map((result) => [result.index, result.relevance_score] as const);

const streamBench = {
  /** `createReranker(options)` until ready: ms and `info()`'s essentials. */
  async open(options: BrowserRerankerOptions) {
    const started = performance.now();
    reranker = await createReranker(options);
    const ms = performance.now() - started;
    const info = await reranker.info();
    return { ms, worker: info.worker, backend: info.backend, dtype: info.dtype, threads: info.threads ?? null, cross_origin_isolated: globalThis.crossOriginIsolated };
  },
  /** One `rerankStream()`: when each partial arrived (ms after the call) and how many it had scored. */
  async stream(request: RerankRequest) {
    const partials: { ms: number; scored: number }[] = [];
    const started = performance.now();
    for await (const item of (reranker as BrowserReranker).rerankStream(request)) {
      const ms = performance.now() - started;
      if (item.done) return { partials, done_ms: ms, ranking: ranking(item.results) };
      partials.push({ ms, scored: item.scored });
      // Progress for whoever runs the bench: a full-size round can take many minutes.
      if (item.scored % 10 === 0) console.info(`${item.scored} of ${item.total} documents ranked after ${(ms / 1000).toFixed(0)} s`);
    }
    throw new Error('the stream ended without a final item');
  },
  /** One `rerank()`: ms and the ranking. */
  async rerank(request: RerankRequest) {
    const started = performance.now();
    const response = await (reranker as BrowserReranker).rerank(request);
    return { ms: performance.now() - started, ranking: ranking(response.results) };
  },
  async dispose() {
    await reranker?.dispose();
  },
};

declare global {
  interface Window {
    streamBench?: typeof streamBench;
  }
}

window.streamBench = streamBench;
