/**
 * webrerank in Node: the same `Reranker`, running in-process on onnxruntime-node (native CPU by
 * default, or its WebGPU provider) or onnxruntime-web's WASM backend.
 *
 * @example
 * import { createReranker } from 'webrerank';
 * const reranker = await createReranker({ modelPath: './models/bge-reranker-v2-m3' });
 * const { results } = await reranker.rerank({ model: 'BAAI/bge-reranker-v2-m3', query, documents });
 */
export { createReranker, nodeModelRegistry } from './node/create-node-reranker.js';
export type { NodeRerankerOptions } from './node/create-node-reranker.js';
export { RerankEngine } from './engine/engine.js';
/** What `createReranker({ inWorker: true })` returns: the engine in a worker thread of its own. */
export { ThreadReranker } from './node/thread-reranker.js';
/** Whether onnxruntime-node's WebGPU provider has an adapter here, and one that runs fp16. */
export { probeNodeWebGpu } from './node/webgpu-probe.js';
export type { NodeWebGpuCapabilities } from './node/webgpu-probe.js';

export * from './shared-exports.js';
