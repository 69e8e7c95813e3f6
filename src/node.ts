/**
 * webrerank in Node: the same `Reranker`, running in-process on onnxruntime-node (native, default)
 * or onnxruntime-web's WASM backend.
 *
 * @example
 * import { createReranker } from 'webrerank';
 * const reranker = await createReranker({ modelPath: './models/bge-reranker-v2-m3' });
 * const { results } = await reranker.rerank({ model: 'BAAI/bge-reranker-v2-m3', query, documents });
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { RuntimeChoice } from './cross-encoder.js';
import { RerankEngine, type EngineOptions } from './engine.js';
import { DEFAULT_MODEL_ID, ModelRegistry, type ModelEntry } from './models.js';
import { useOnnxruntimeNode, useOnnxruntimeWebInNode } from './node-runtime.js';
import type { Dtype } from './protocol.js';

export interface NodeRerankerOptions extends Omit<EngineOptions, 'runtimes' | 'registry'> {
  /**
   * A local folder in transformers.js layout to serve as `model` (default id
   * `BAAI/bge-reranker-v2-m3`). Without it the model comes from the hub.
   */
  modelPath?: string;
  /** The id requests use for `modelPath` (default `BAAI/bge-reranker-v2-m3`). */
  model?: string;
  /** More models to serve, or replacements for the built-in one (e.g. a self-hosted URL). */
  models?: ModelEntry[];
  /** `cpu` = onnxruntime-node (default); `wasm` = onnxruntime-web, as in a browser. */
  backend?: 'cpu' | 'wasm';
  /** Model precision: `q8` (default: 4× smaller, fastest on CPU) or `fp32`. */
  dtype?: Dtype;
  /** Threads for inference (default: every core this process may use). */
  threads?: number;
  /** Load the model now rather than on the first request (default true). */
  preload?: boolean;
}

/** The registry a Node reranker serves, from its options. */
export function nodeModelRegistry(options: Pick<NodeRerankerOptions, 'modelPath' | 'model' | 'models'>): ModelRegistry {
  const entries: ModelEntry[] = [];
  if (options.modelPath !== undefined) {
    entries.push({ id: options.model ?? DEFAULT_MODEL_ID, source: { path: resolve(options.modelPath) } });
  }
  entries.push(...(options.models ?? []));
  return entries.length > 0 ? new ModelRegistry(entries) : new ModelRegistry();
}

/** Creates an in-process reranker for Node. */
export async function createReranker(options: NodeRerankerOptions = {}): Promise<RerankEngine> {
  const backend = options.backend ?? 'cpu';
  if (backend === 'wasm') await useOnnxruntimeWebInNode();
  else useOnnxruntimeNode();
  // onnxruntime-node's own default is its count of physical cores, 1 on our 2-vCPU VMs: the bench
  // measured native fp32 at 15.3 pairs/s on 2 threads against 6.4 for that default. Use every core
  // this process may run on.
  const runtime: RuntimeChoice = { device: backend, dtype: options.dtype ?? 'q8', threads: options.threads ?? availableParallelism() };

  const { modelPath: _path, model: _model, models: _models, backend: _backend, dtype: _dtype, threads: _threads, preload, ...engineOptions } = options;
  const engine = new RerankEngine({ ...engineOptions, registry: nodeModelRegistry(options), runtimes: [runtime] });
  if (preload ?? true) await engine.load();
  return engine;
}

export { RerankEngine } from './engine.js';

/**
 * A reranker answered by a remote `/v1/rerank` (or TEI) server, and the local/remote fallback.
 *
 * @example
 * const remote = createRemoteReranker({ baseUrl: 'http://127.0.0.1:8080', apiKey: process.env.RERANK_KEY });
 * const reranker = createFallbackReranker(() => createReranker({ modelPath }), remote);
 */
export { createRemoteReranker, DEFAULT_REMOTE_TIMEOUT_MS } from './remote.js';
export type { FetchFunction, RemoteProtocol, RemoteRerankerOptions } from './remote.js';
export { chooseMode, createFallbackReranker } from './fallback-policy.js';
export type { FallbackOptions, RerankMode, SwitchEvent } from './fallback-policy.js';

export * from './shared-exports.js';
