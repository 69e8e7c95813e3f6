/**
 * The engine as a browser runs it — in the worker, or in the page when there is no worker:
 * probe the device, plan the backends, point transformers.js at the app's own files and the
 * model cache, then hand everything to the same `RerankEngine` Node uses.
 *
 * Its configuration is plain data, because it crosses the worker boundary.
 */
import { planBackends, BGE_RERANKER_V2_M3_FOOTPRINT, type BackendOverrides, type BackendPlan, type ModelFootprint } from './backend-plan.js';
import { probeCapabilities, type Capabilities } from './capabilities.js';
import { RerankEngine, type EngineOptions } from '../engine/engine.js';
import { DEFAULT_MODEL_REPO, ModelRegistry, type ModelEntry } from '../core/models.js';
import { ModelFileCache, openModelCache, type CacheLike, type CacheState } from './model-cache.js';
import type { ProgressCallback } from '../core/progress.js';
import type { RerankRequest, RerankResponse } from '../core/contract.js';
import type { RerankOptions, Reranker, RerankerInfo } from '../core/reranker.js';

/** Engine settings a browser user may tune (all optional; see `EngineOptions`). */
export type EngineTuning = Pick<EngineOptions, 'maxLength' | 'maxQueryTokens' | 'tokenBudget' | 'maxBatchSize' | 'batchInvariant' | 'maxDocuments' | 'maxDocumentCharacters' | 'maxTotalCharacters'>;

/** Everything a browser engine is built from. Plain, cloneable data. */
export interface BrowserEngineConfig {
  /** The models served; the first is the one preloaded. */
  models: ModelEntry[];
  overrides: BackendOverrides;
  /** Base URL of onnxruntime-web's .wasm/.mjs files; unset: the copy the app's bundler ships. */
  wasmPaths?: string;
  /** The Cache API cache for model files, or false to download every time. */
  cache: false | { name: string };
  engine: EngineTuning;
  /** Load the first model before the first request. */
  preload: boolean;
}

/** `RerankerInfo` plus what this device offered and what was chosen, for display and diagnostics. */
export interface LocalRerankerInfo extends RerankerInfo {
  /** Whether the model runs in a Web Worker (false: in the page's own thread). */
  inWorker: boolean;
  capabilities: Capabilities;
  /** The backends planned, in order, each with its reason, and those skipped. */
  plan: BackendPlan;
  cache: CacheState;
}

const NO_CACHE: CacheState = Object.freeze({ enabled: false, persistent: false, reason: 'caching was turned off' });

/** A RerankEngine with the browser's probe, plan and cache around it. */
export class BrowserEngine implements Reranker {
  constructor(
    readonly engine: RerankEngine,
    readonly capabilities: Capabilities,
    readonly plan: BackendPlan,
    private readonly cache: ModelFileCache | null,
    private readonly inWorker: boolean,
  ) {}

  /** Loads `modelId` (default: the first served) if it isn't loaded yet. */
  load(modelId?: string): Promise<void> {
    return this.engine.load(modelId);
  }

  rerank(request: RerankRequest, options?: RerankOptions): Promise<RerankResponse> {
    return this.engine.rerank(request, options);
  }

  async info(): Promise<LocalRerankerInfo> {
    return {
      ...(await this.engine.info()),
      inWorker: this.inWorker,
      capabilities: this.capabilities,
      plan: this.plan,
      cache: this.cache?.state() ?? NO_CACHE,
    };
  }

  dispose(): Promise<void> {
    return this.engine.dispose();
  }
}

/**
 * Builds (and by default preloads) the engine in this realm. `cache` replaces the Cache API
 * cache, for a page that brings its own storage.
 */
export async function startBrowserEngine(
  config: BrowserEngineConfig,
  onProgress?: ProgressCallback,
  options: { cache?: CacheLike; inWorker?: boolean } = {},
): Promise<BrowserEngine> {
  const capabilities = await probeCapabilities();
  const first = config.models[0];
  const plan = planBackends(capabilities, config.overrides, first ? footprintOf(first) : undefined);
  const cache = config.cache === false ? null : options.cache ? new ModelFileCache(async () => options.cache as CacheLike) : openModelCache(config.cache.name);
  await configureTransformers(config.wasmPaths, cache);

  const engineOptions: EngineOptions = {
    ...config.engine,
    registry: new ModelRegistry(config.models),
    runtimes: plan.runtimes.map(({ device, dtype, threads }) => (threads === undefined ? { device, dtype } : { device, dtype, threads })),
  };
  if (config.wasmPaths !== undefined) engineOptions.loadOptions = { wasmPaths: config.wasmPaths };
  if (onProgress) engineOptions.onProgress = onProgress;
  const engine = new RerankEngine(engineOptions);
  if (config.preload && first) await engine.load(first.id);
  return new BrowserEngine(engine, capabilities, plan, cache, options.inWorker ?? capabilities.context === 'worker');
}

/** The known size of a model, so the plan can check it fits: only the built-in model's is known. */
export function footprintOf(entry: ModelEntry): ModelFootprint | undefined {
  return 'hub' in entry.source && entry.source.hub === DEFAULT_MODEL_REPO ? BGE_RERANKER_V2_M3_FOOTPRINT : undefined;
}

/**
 * Points transformers.js (one global `env` per realm) at the app's own ORT files and our cache.
 *
 * transformers.js sets ORT's `wasmPaths` to a jsDelivr URL when it is imported; deleting it makes
 * ORT load the .wasm next to its own module — the file the app's bundler emitted (Vite does, for
 * `new URL('…wasm', import.meta.url)`), so nothing is fetched from a CDN.
 */
async function configureTransformers(wasmPaths: string | undefined, cache: ModelFileCache | null): Promise<void> {
  const { env } = await import('@huggingface/transformers');
  const wasm = env.backends.onnx.wasm;
  if (wasm) {
    if (wasmPaths !== undefined) wasm.wasmPaths = wasmPaths;
    else delete wasm.wasmPaths;
  }
  // Our cache replaces transformers.js' own Cache API use: same storage, but a full disk degrades.
  env.useBrowserCache = false;
  env.useCustomCache = cache !== null;
  env.customCache = cache;
}
