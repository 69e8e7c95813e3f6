/**
 * The Node reranker: the engine on onnxruntime-node (native CPU or its WebGPU provider) or
 * onnxruntime-web's WASM backend, serving a local folder or the hub — in the caller's thread, or
 * in a worker thread of its own (`inWorker`). The server and the CLI build on this module, not on
 * the package's entry (src/node.ts).
 */
import type { RerankEngine } from '../engine/engine.js';
import { createNodeEngine, type NodeEngineOptions } from './node-engine.js';
import { ThreadReranker } from './thread-reranker.js';
import { withServedModel } from './model-folder.js';

export { nodeModelRegistry } from './node-engine.js';

export interface NodeRerankerOptions extends NodeEngineOptions {
  /**
   * Run the engine in a worker thread of its own (default false: in this thread). onnxruntime-node
   * runs each batch synchronously, so in this thread every batch holds the event loop: a server
   * should pass `true` (`webrerank serve` and `startServer` do). A script that only reranks gains
   * nothing from the thread and keeps the in-process engine's extras (`loader`, `RerankEngine`).
   */
  inWorker?: boolean;
}

/**
 * Creates a reranker for Node and, unless `preload: false`, loads its model.
 *
 * @example
 * const reranker = await createReranker({ modelPath: './models/bge-reranker-v2-m3', inWorker: true });
 */
export async function createReranker(options: NodeRerankerOptions & { inWorker: true }): Promise<ThreadReranker>;
export async function createReranker(options?: NodeRerankerOptions & { inWorker?: false }): Promise<RerankEngine>;
export async function createReranker(options?: NodeRerankerOptions): Promise<RerankEngine | ThreadReranker>;
export async function createReranker(options: NodeRerankerOptions = {}): Promise<RerankEngine | ThreadReranker> {
  // A stand-in folder given without a model id is served under its own id, never the real model's.
  const { inWorker, ...engineOptions } = await withServedModel(options);
  if (!inWorker) return createNodeEngine(engineOptions);
  const { onProgress, loader, preload, ...threadOptions } = engineOptions;
  // A function can't be posted to a thread.
  if (loader) throw new TypeError('A custom loader runs only in this thread: pass inWorker: false with it.');
  const reranker = new ThreadReranker(threadOptions, onProgress);
  if (preload ?? true) await reranker.load();
  return reranker;
}
