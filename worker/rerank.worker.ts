/**
 * The worker entry: exposes the engine over comlink, nothing else. Started by `createReranker()`
 * (src/browser/create-reranker.ts) with `new Worker(new URL('../../worker/rerank.worker.js', import.meta.url), { type: 'module' })`.
 */
import { expose } from 'comlink';
import { registerErrorTransfer } from '../src/browser/comlink-errors.js';
import { WorkerHost } from '../src/browser/worker-host.js';

// onnxruntime-web starts its WASM threads from its own module's URL; should a bundler put that
// code in this file, a thread must not answer the page as a second engine.
if (!(globalThis as { name?: string }).name?.startsWith('em-pthread')) {
  registerErrorTransfer();
  expose(new WorkerHost());
}
