/**
 * The engine as a browser runs it — in the worker, or in the page when there is no worker:
 * probe the device, plan the backends, point transformers.js at the app's own files and the
 * model cache, then hand everything to the same `RerankEngine` Node uses.
 *
 * Its configuration is plain data, because it crosses the worker boundary.
 */
import { planBackends, BGE_RERANKER_V2_M3_FOOTPRINT, type BackendOverrides, type BackendPlan, type ModelFootprint } from '../shared/backend-plan.js';
import { probeCapabilities, type Capabilities } from '../shared/capabilities.js';
import { loadCrossEncoder, type WasmPaths } from '../../engine/cross-encoder.js';
import { withPlainFileFaults } from '../../engine/plain-load-errors.js';
import { RerankEngine, type EngineOptions } from '../../engine/engine.js';
import { DEFAULT_MODEL_REPO, ModelRegistry, type ModelEntry } from '../../core/models.js';
import { ModelStore } from '../cache/model-store.js';
import type { BrowserEngineConfig, CacheState, LocalRerankerInfo } from '../shared/public-types.js';
import { browserFilePreparer, type HubLocation } from '../cache/model-files.js';
import type { ProgressCallback } from '../../core/progress.js';
import type { RerankInput, RerankRequest, RerankResponse } from '../../core/contract.js';
import type { RerankOptions, Reranker, RerankStreamItem } from '../../core/reranker.js';
import { streamRerank } from '../../core/rerank-stream.js';

export type { BrowserEngineConfig, EngineTuning, LocalRerankerInfo } from '../shared/public-types.js';

const NO_CACHE: CacheState = Object.freeze({ enabled: false, persistent: false, reason: 'caching was turned off' });

/** A RerankEngine with the browser's probe, plan and cache around it. */
export class BrowserEngine implements Reranker {
  constructor(
    readonly engine: RerankEngine,
    readonly capabilities: Capabilities,
    readonly plan: BackendPlan,
    private readonly cache: () => Promise<ModelStore | null>,
    private readonly cacheUnavailable: () => CacheState,
    private readonly inWorker: boolean,
  ) {}

  /** Loads `modelId` (default: the first served) if it isn't loaded yet. */
  load(modelId?: string): Promise<void> {
    return this.engine.load(modelId);
  }

  rerank(request: RerankInput, options?: RerankOptions): Promise<RerankResponse> {
    return this.engine.rerank(request, options);
  }

  rerankStream(request: RerankInput, options: RerankOptions = {}): AsyncIterable<RerankStreamItem> {
    return streamRerank((body, withPartials) => this.engine.rerank(body, withPartials), request, options);
  }

  async info(): Promise<LocalRerankerInfo> {
    return {
      ...(await this.engine.info()),
      inWorker: this.inWorker,
      capabilities: this.capabilities,
      plan: this.plan,
      cache: (await this.cache())?.state() ?? this.cacheUnavailable(),
    };
  }

  dispose(): Promise<void> {
    return this.engine.dispose();
  }
}

/** Builds (and by default preloads) the engine in this realm. */
export async function startBrowserEngine(config: BrowserEngineConfig, onProgress?: ProgressCallback, options: { inWorker?: boolean } = {}): Promise<BrowserEngine> {
  const capabilities = await probeCapabilities();
  const first = config.models[0];
  const plan = planBackends(capabilities, config.overrides, first ? footprintOf(first) : undefined, { ownWasmFiles: config.wasmPaths !== undefined });
  const env = await configureTransformers(config.wasmPaths);

  // Opened once, on the first load; where OPFS is missing the files download every time.
  let unavailable: CacheState = NO_CACHE;
  let opened: Promise<ModelStore | null> | undefined;
  const store = (): Promise<ModelStore | null> => {
    if (config.cache === false) return Promise.resolve(null);
    opened ??= ModelStore.open(config.cache.name).catch((error: unknown) => {
      unavailable = { enabled: false, persistent: false, reason: `the model cache is unavailable (${error instanceof Error ? error.message : String(error)}): model files download every time` };
      return null;
    });
    return opened;
  };
  const hub = async (): Promise<HubLocation> => ({ remoteHost: env.remoteHost, remotePathTemplate: env.remotePathTemplate });
  const pageUrl = (globalThis as { location?: { href?: string } }).location?.href ?? 'http://localhost/';

  const engineOptions: EngineOptions = {
    ...config.engine,
    registry: new ModelRegistry(config.models),
    runtimes: plan.runtimes.map(({ device, dtype, threads }) => (threads === undefined ? { device, dtype } : { device, dtype, threads })),
    // What transformers.js or onnxruntime say about bad model files stays in `cause`.
    loader: withPlainFileFaults(loadCrossEncoder),
    loadOptions: { prepareFiles: browserFilePreparer({ store, hub, pageUrl }), ...(config.wasmPaths !== undefined ? { wasmPaths: config.wasmPaths } : {}) },
  };
  if (onProgress) engineOptions.onProgress = onProgress;
  const engine = new RerankEngine(engineOptions);
  if (config.preload && first) await engine.load(first.id);
  return new BrowserEngine(engine, capabilities, plan, store, () => unavailable, options.inWorker ?? capabilities.context === 'worker');
}

/** The known size of a model, so the plan can check it fits: only the built-in model's is known. */
export function footprintOf(entry: ModelEntry): ModelFootprint | undefined {
  return 'hub' in entry.source && entry.source.hub === DEFAULT_MODEL_REPO ? BGE_RERANKER_V2_M3_FOOTPRINT : undefined;
}

/**
 * Points transformers.js (one global `env` per realm) at the app's own ORT files, and returns it.
 *
 * transformers.js sets ORT's `wasmPaths` to a jsDelivr URL when it is imported; deleting it makes
 * ORT load the .wasm next to its own module — the file the app's bundler emitted (Vite does, for
 * `new URL('…wasm', import.meta.url)`), so nothing is fetched from a CDN.
 */
async function configureTransformers(wasmPaths: WasmPaths | undefined) {
  const { env } = await import('@huggingface/transformers');
  const wasm = env.backends.onnx.wasm;
  if (wasm) {
    if (wasmPaths !== undefined) wasm.wasmPaths = wasmPaths;
    else delete wasm.wasmPaths;
  }
  // webrerank fetches and stores model files itself (model-files.ts), never in the Cache API.
  env.useBrowserCache = false;
  return env;
}
