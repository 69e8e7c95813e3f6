/**
 * webrerank in the browser: rerank documents against a query with BAAI/bge-reranker-v2-m3 on the
 * user's own device — WebGPU or WASM, in a Web Worker — with the hosted `/v1/rerank` API's
 * response shape.
 *
 * @example
 * import { createReranker } from 'webrerank';
 *
 * const reranker = await createReranker({ onProgress: (event) => console.log(event.status) });
 * const { results } = await reranker.rerank({
 *   model: 'BAAI/bge-reranker-v2-m3',
 *   query: 'What is machine learning?',
 *   documents: ['Machine learning is a subset of artificial intelligence.', 'The weather today is sunny.'],
 * });
 * // results: [{ index: 0, relevance_score: 0.95… }, { index: 1, relevance_score: 0.0… }]
 *
 * @packageDocumentation
 */
import { createReranker } from './browser/page/create-reranker.js';

/**
 * Starts a reranker on this device: probes WebGPU and WASM threads, picks the fastest backend
 * that works (reported by `info()` and each response's `meta`), starts a Web Worker and, by
 * default, downloads (or reads from the browser cache) and loads the model before resolving.
 *
 * @example
 * const reranker = await createReranker({
 *   onProgress: (event) => {
 *     if (event.status === 'progress') bar.value = event.progress;
 *   },
 * });
 * const controller = new AbortController();
 * const response = await reranker.rerank({ model: 'BAAI/bge-reranker-v2-m3', query, documents }, { signal: controller.signal });
 * console.log(response.meta); // { backend: 'webgpu', dtype: 'fp16' }
 */
export { createReranker };
export default createReranker;

/**
 * Options, the reranker's type and what `info()` reports.
 *
 * @example
 * const options: BrowserRerankerOptions = { device: 'wasm', dtype: 'q8', models: [{ id: 'BAAI/bge-reranker-v2-m3', source: { url: 'https://cdn.example.com/bge-reranker-v2-m3' } }] };
 */
export type { BrowserReranker, BrowserRerankerInfo, BrowserRerankerOptions, LocalReranker } from './browser/page/create-reranker.js';
export type { EngineTuning, LocalRerankerInfo } from './browser/worker/browser-engine.js';
export type { WorkerChoice, WorkerKind } from './browser/page/worker-choice.js';
export type { Capabilities, WebGpuCapabilities, WebNnCapabilities } from './browser/shared/capabilities.js';
export type { BackendOverrides, BackendPlan, ModelFootprint, PlannedRuntime } from './browser/shared/backend-plan.js';
export type { CacheState, CachedModelFile } from './browser/cache/model-store.js';
export type { StoragePersistence } from './browser/page/storage-persistence.js';

/**
 * What this device can do, probed for real (a WebGPU adapter requested, a SharedArrayBuffer
 * posted), and the pure function that turns it into the ordered backends to try.
 *
 * @example
 * const plan = planBackends(await probeCapabilities());
 * console.log(plan.runtimes.map((runtime) => `${runtime.device}/${runtime.dtype}: ${runtime.reason}`));
 * if (!plan.local) console.log('Better rerank on a server here:', plan.localReason);
 */
export { probeCapabilities } from './browser/shared/capabilities.js';
export { BGE_RERANKER_V2_M3_FOOTPRINT, MAX_WASM_THREADS, planBackends } from './browser/shared/backend-plan.js';

/**
 * The model cache: downloaded model files kept in the Origin Private File System (folder
 * `webrerank-models` unless `cache.name` says otherwise), each checked by size and SHA-256 when
 * read. List what is kept, and free the space.
 *
 * @example
 * const files = await listCachedModels();
 * console.log(files.map((file) => `${file.model} ${file.file}: ${file.bytes} bytes`));
 * await deleteCachedModels({ model: 'BAAI/bge-reranker-v2-m3' });
 */
export { DEFAULT_CACHE_NAME, deleteCachedModels, listCachedModels } from './browser/cache/model-store.js';

// The contract, models, progress events, errors and type guards, as in Node.
export * from './shared-exports.js';
