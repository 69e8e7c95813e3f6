/**
 * The engine in a Node thread: on onnxruntime-node (native CPU or its WebGPU provider) or
 * onnxruntime-web's WASM backend, serving a local folder or the hub. `createReranker`
 * (create-node-reranker.ts) runs it in the caller's thread or, through the engine thread, in its own.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { RuntimeChoice } from '../engine/cross-encoder.js';
import { RerankEngine, type EngineOptions } from '../engine/engine.js';
import { BUILTIN_MODELS, DEFAULT_MODEL_ID, ModelRegistry, type ModelEntry } from '../core/models.js';
import { planNodeBackends, type NodeBackend } from './backend-plan.js';
import { useOnnxruntimeNode, useOnnxruntimeWebInNode } from './node-runtime.js';
import { probeNodeWebGpu } from './webgpu-probe.js';
import { checkModelFolder, modelFileSizes } from './model-folder.js';
import { loadCrossEncoder, type CrossEncoderLoader } from '../engine/cross-encoder.js';
import { modelFileFault, plainLoadError } from '../engine/plain-load-errors.js';
import { RerankError } from '../core/errors.js';
import type { TransformersProgressEvent } from '../core/progress.js';
import { findCachedModel, hubCacheDir, hubOffline } from './hub-cache.js';
import type { Dtype } from '../core/contract.js';

export interface NodeEngineOptions extends Omit<EngineOptions, 'runtimes' | 'registry'> {
  /**
   * A local folder in transformers.js layout to serve as `model` (default id
   * `BAAI/bge-reranker-v2-m3`). Without it the model comes from the hub.
   */
  modelPath?: string;
  /** The id requests use for `modelPath` (default `BAAI/bge-reranker-v2-m3`). */
  model?: string;
  /** More models to serve, or replacements for the built-in one (e.g. a self-hosted URL). */
  models?: ModelEntry[];
  /**
   * `cpu` = onnxruntime-node (default); `wasm` = onnxruntime-web, as in a browser; `webgpu` =
   * onnxruntime-node's WebGPU provider (Vulkan, Metal or D3D12 underneath), falling back to fp32
   * on WebGPU and then to the CPU when a run fails or overflows.
   */
  backend?: NodeBackend;
  /**
   * Model precision: `q8` (default on cpu and wasm: 4× smaller, fastest on CPU), `fp32`, or `fp16`
   * (WebGPU only, with shader-f16; the default there when the adapter has it).
   */
  dtype?: Dtype;
  /** Threads for inference (default: every core this process may use). */
  threads?: number;
  /** Load the model now rather than on the first request (default true). */
  preload?: boolean;
}

/** The registry a Node reranker serves, from its options. */
export function nodeModelRegistry(options: Pick<NodeEngineOptions, 'modelPath' | 'model' | 'models'>): ModelRegistry {
  const entries: ModelEntry[] = [];
  if (options.modelPath !== undefined) {
    entries.push({ id: options.model ?? DEFAULT_MODEL_ID, source: { path: resolve(options.modelPath) } });
  }
  entries.push(...(options.models ?? []));
  // Any other id names a hub repo in transformers.js layout, found in the hub cache or fetched.
  if (options.modelPath === undefined && options.model !== undefined && !BUILTIN_MODELS.some((entry) => entry.id === options.model) && !entries.some((entry) => entry.id === options.model)) {
    entries.unshift({ id: options.model, source: { hub: options.model } });
  }
  return entries.length > 0 ? new ModelRegistry(entries) : new ModelRegistry();
}

/** Creates the engine in this thread (and, unless `preload: false`, loads its model). */
export async function createNodeEngine(options: NodeEngineOptions = {}): Promise<RerankEngine> {
  const backend = options.backend ?? 'cpu';
  if (backend === 'wasm') await useOnnxruntimeWebInNode();
  else useOnnxruntimeNode();
  // onnxruntime-node's own default is its count of physical cores, which leaves half of a
  // hyper-threaded or virtual machine's cores idle (docs/performance.md). Use every core this
  // process may run on.
  const threads = options.threads ?? availableParallelism();
  const gpu = backend === 'webgpu' ? await probeNodeWebGpu() : undefined;
  const runtimes: RuntimeChoice[] = planNodeBackends(backend, options.dtype, threads, gpu).map(({ reason: _reason, ...runtime }) => runtime);

  const { modelPath: _path, model: _model, models: _models, backend: _backend, dtype: _dtype, threads: _threads, preload, ...engineOptions } = options;
  const engine = new RerankEngine({
    ...engineOptions,
    loader: engineOptions.loader ?? checkedLoader,
    // onnxruntime-web in Node: transformers.js knows no such device, so the provider is named.
    ...(backend === 'wasm' ? { loadOptions: { ...engineOptions.loadOptions, executionProviders: ['wasm'] } } : {}),
    registry: nodeModelRegistry(options),
    runtimes,
  });
  if (preload ?? true) await engine.load();
  return engine;
}

/**
 * transformers.js' loader behind a check of the files it will read: a local folder's mistakes are
 * named in plain words before transformers.js sees them, and what it still throws keeps its own
 * text in `cause`.
 */
const checkedLoader: CrossEncoderLoader = async (entry, runtime, options) => {
  const local = 'hub' in entry.source ? { ...entry, source: { path: await hubModelFolder(entry.source, runtime.dtype, entry.externalData?.[runtime.dtype] ?? false, options.onProgress) } } : entry;
  if ('path' in local.source) {
    await checkModelFolder(local.source.path, [runtime.dtype], local.externalData);
    options.onProgress?.({ status: 'expect', expected: await modelFileSizes(local.source.path, runtime.dtype, local.externalData?.[runtime.dtype] ?? false) });
  }
  try {
    return await loadCrossEncoder(local, runtime, options);
  } catch (error) {
    if (error instanceof RerankError) throw error;
    throw plainLoadError(entry, runtime, modelFileFault(error) ?? "onnxruntime refused it (the error's cause has the details)", error);
  }
};

/**
 * The hub cache's snapshot of a hub model: found there first (pulled by webrerank, `hf download`
 * or transformers), else downloaded into it — unless `HF_HUB_OFFLINE` forbids the network.
 */
async function hubModelFolder(source: { hub: string; revision?: string }, dtype: Dtype, externalData: boolean, onProgress: ((event: TransformersProgressEvent) => void) | undefined): Promise<string> {
  const cacheDir = hubCacheDir();
  const cached = await findCachedModel(cacheDir, source.hub, source.revision, dtype, externalData);
  if (cached !== undefined) return cached;
  if (hubOffline()) {
    throw new RerankError('model_unavailable', `${source.hub} (${dtype}) is not in the hub cache at ${cacheDir}, and HF_HUB_OFFLINE is set: run "webrerank pull ${source.hub} --dtype ${dtype}" where the hub is reachable.`);
  }
  // The hub client is loaded only when a download is needed.
  const { pullModel } = await import('./hub-pull.js');
  const pulled = await pullModel({ repo: source.hub, ...(source.revision ? { revision: source.revision } : {}), dtypes: [dtype], ...(onProgress ? { onProgress } : {}) });
  return pulled.folder;
}

