/**
 * One tab of the full-size section's shared-model measurement (bench/fullsize-shared.ts):
 * `window.sharedTab` creates a reranker with the given options — `shared: true` — and ranks, each
 * timed here on the page, as an app would see it.
 */
import { createReranker, type BrowserReranker, type BrowserRerankerOptions } from '../../src/index.js';
import type { RerankRequest } from '../../src/core/contract.js';

let reranker: BrowserReranker | undefined;

const sharedTab = {
  /** `createReranker(options)` until ready: ms, what loading said, and `info()`'s essentials. */
  async open(options: BrowserRerankerOptions) {
    const statuses: string[] = [];
    const started = performance.now();
    reranker = await createReranker({ ...options, onProgress: (event) => void (statuses.includes(event.status) || statuses.push(event.status)) });
    const ms = performance.now() - started;
    const info = await reranker.info();
    return { ms, statuses, worker: info.worker, backend: info.backend, dtype: info.dtype, threads: info.threads ?? null };
  },
  /** One ranking: ms and the top index. */
  async rank(request: RerankRequest) {
    const started = performance.now();
    const response = await (reranker as BrowserReranker).rerank(request);
    return { ms: performance.now() - started, top: response.results[0]?.index ?? null };
  },
};

declare global {
  interface Window {
    sharedTab?: typeof sharedTab;
  }
}

window.sharedTab = sharedTab;
