/**
 * The worker entry: exposes the engine over comlink, nothing else. Started by `createReranker()`
 * (src/browser/page/create-reranker.ts) with `new Worker(new URL('../../worker/rerank.worker.js', import.meta.url), { type: 'module' })`.
 */
import { expose } from 'comlink';
import { registerErrorTransfer } from '../src/browser/shared/comlink-errors.js';
import { isRuntimeThread, reportStrandedThread } from '../src/browser/shared/thread-check.js';
import { WorkerHost } from '../src/browser/worker/worker-host.js';

// onnxruntime-web starts its WASM threads from its own module's URL. Should a bundler put that
// code in this file, a thread must not answer the page as a second engine — and it will never
// start, so it tells the page (see thread-check.ts).
if (isRuntimeThread()) {
  reportStrandedThread(import.meta.url);
} else {
  registerErrorTransfer();
  expose(new WorkerHost());
}
