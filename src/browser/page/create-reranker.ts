/**
 * The page side's front door: `createReranker()` decides where reranking runs — on this device (in
 * a Web Worker, or in the page's own thread where there is no `Worker` or when asked), on a remote
 * server, or the device first with the server as fallback — and returns the `Reranker` for it.
 */
import type { BackendOverrides } from '../shared/backend-plan.js';
import type { BrowserEngineConfig, BrowserReranker, BrowserRerankerOptions, EngineTuning } from '../shared/public-types.js';
import { registerErrorTransfer } from '../shared/comlink-errors.js';
import { RerankError, isRerankError } from '../../core/errors.js';
import { chooseMode, createFallbackReranker, type FallbackOptions, type RerankMode } from '../../remote/fallback-policy.js';
import { BUILTIN_MODELS, type ModelEntry } from '../../core/models.js';
import { DEFAULT_CACHE_NAME } from '../cache/model-store.js';
import type { WasmPaths } from '../../engine/cross-encoder.js';
import { createRemoteReranker } from '../../remote/remote-reranker.js';
import type { Reranker } from '../../core/reranker.js';
import { InThreadReranker } from './in-thread-reranker.js';
import type { LocalReranker } from './local-reranker.js';
import { WorkerReranker } from './worker-reranker.js';
import { startSharedWorker } from './shared-worker-client.js';
import { reportingPersistence } from './storage-persistence.js';
import { chooseWorkerHere, reportingWorker } from './worker-choice.js';

export type { LocalReranker } from './local-reranker.js';
export type { BrowserReranker, BrowserRerankerInfo, BrowserRerankerOptions } from '../shared/public-types.js';

/**
 * Starts a reranker on this device (or a remote server, per `mode`).
 *
 * @example
 * const reranker = await createReranker({ onProgress: (event) => console.log(event) });
 * const { results } = await reranker.rerank({ model: 'BAAI/bge-reranker-v2-m3', query, documents });
 */
export async function createReranker(options: BrowserRerankerOptions = {}): Promise<BrowserReranker> {
  registerErrorTransfer();
  const mode = options.mode ?? (options.remote ? 'auto' : 'local');
  const remote = options.remote ? createRemoteReranker(options.remote) : undefined;
  const preload = options.preload ?? true;
  // `remote` needs no probe: nothing of this device is used.
  const local = mode === 'remote' ? undefined : createLocalReranker({ ...options, preload: false });
  const planCanRunLocally = local ? await probeLocal(local, mode) : false;
  const decision = chooseMode({ mode, planCanRunLocally, remoteConfigured: remote !== undefined });
  if (decision.start === 'remote' || !local) {
    await local?.dispose();
    return remote as Reranker;
  }
  if (!decision.canFallBack || !remote) {
    if (preload) {
      try {
        await local.load();
      } catch (error) {
        await local.dispose();
        throw error;
      }
    }
    return local;
  }
  // A failed preload is not thrown here: the fallback sees it on the first request and switches.
  const loaded = preload ? local.load().then(() => local) : Promise.resolve(local);
  await loaded.catch(() => undefined);
  const fallbackOptions: FallbackOptions = {};
  if (options.onSwitch) fallbackOptions.onSwitch = options.onSwitch;
  return createFallbackReranker(() => loaded, remote, fallbackOptions);
}

/**
 * Probes and plans (in the worker, where the model would run) without loading: can this device
 * run the model? `auto` asks whether it runs it *well*; `local` only whether it runs at all.
 */
async function probeLocal(local: LocalReranker, mode: RerankMode): Promise<boolean> {
  try {
    const found = await local.started();
    return mode === 'auto' ? found.plan.local : true;
  } catch (error) {
    if (mode !== 'auto' || !isRerankError(error) || error.code !== 'model_unavailable') {
      await local.dispose();
      throw error;
    }
    return false;
  }
}

/** A reranker on this device: in a SharedWorker, a dedicated worker or the page (see `chooseWorker`). */
function createLocalReranker(options: BrowserRerankerOptions): LocalReranker {
  const config = engineConfig(options);
  const choice = chooseWorkerHere(options);
  const spawn = choice.worker === 'shared' ? () => startSharedWorker(config) : startWorker;
  const local = choice.worker === 'none' ? new InThreadReranker(config, options.onProgress) : new WorkerReranker(config, options.onProgress, spawn);
  const persist = typeof options.cache !== 'object' || options.cache.persist !== false;
  return reportingPersistence(reportingWorker(local, choice), persist);
}

/**
 * Starts the worker. The literal `new Worker(new URL(…, import.meta.url), { type: 'module' })` is
 * what bundlers (Vite, webpack 5, Rollup plugins, esbuild plugins) recognize and bundle: from
 * source, Vite maps `rerank.worker.js` to `rerank.worker.ts`; from the built package, the .js is there.
 */
function startWorker(): Worker {
  return new Worker(new URL('../../../worker/rerank.worker.js', import.meta.url), { type: 'module' });
}

/** The plain-data engine config for `options`, with page-relative model paths made absolute. */
export function engineConfig(options: BrowserRerankerOptions): BrowserEngineConfig {
  const overrides: BackendOverrides = {};
  if (options.device !== undefined) overrides.device = options.device;
  if (options.dtype !== undefined) overrides.dtype = options.dtype;
  if (options.threads !== undefined) overrides.threads = options.threads;
  const engine: EngineTuning = {};
  for (const key of ['maxLength', 'maxQueryTokens', 'tokenBudget', 'maxBatchSize', 'batchInvariant', 'maxDocuments', 'maxDocumentCharacters', 'maxTotalCharacters', 'loadStallTimeoutMs', 'scoreCacheBytes'] as const) {
    if (options[key] !== undefined) (engine as Record<string, unknown>)[key] = options[key];
  }
  const cache = options.cache ?? true;
  const config: BrowserEngineConfig = {
    models: (options.models ?? [...BUILTIN_MODELS]).map(resolveModelPath),
    overrides,
    cache: cache === false ? false : { name: (cache === true ? undefined : cache.name) ?? DEFAULT_CACHE_NAME },
    engine,
    preload: options.preload ?? true,
  };
  if (config.models.length === 0) throw new RerankError('invalid_request', 'models must name at least one model.');
  if (options.wasmPaths !== undefined) config.wasmPaths = resolveWasmPaths(options.wasmPaths);
  return config;
}

/**
 * A worker resolves relative URLs against its own script, not the page: resolve a `{ path }`
 * source here, against the page, so `path: 'models/x'` means what the app author meant. It stays a
 * path (from the origin's root) on this origin, and becomes a `{ url }` source on another.
 */
function resolveModelPath(entry: ModelEntry): ModelEntry {
  if (!('path' in entry.source)) return { ...entry };
  const url = new URL(entry.source.path, baseUrl());
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  return { ...entry, source: url.origin === origin ? { path: url.pathname } : { url: url.href } };
}

/** `wasmPaths` with each URL made absolute against the page (a worker would resolve against itself). */
function resolveWasmPaths(paths: WasmPaths): WasmPaths {
  const absolute = (url: string) => new URL(url, baseUrl()).href;
  if (typeof paths === 'string') return absolute(paths);
  const resolved: { mjs?: string; wasm?: string } = {};
  if (paths.mjs !== undefined) resolved.mjs = absolute(paths.mjs);
  if (paths.wasm !== undefined) resolved.wasm = absolute(paths.wasm);
  return resolved;
}

function baseUrl(): string {
  const scope = globalThis as { document?: { baseURI?: string }; location?: { href?: string } };
  return scope.document?.baseURI ?? scope.location?.href ?? 'http://localhost/';
}
