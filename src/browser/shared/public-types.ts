/**
 * The browser side's types, in one module that the page side (createReranker and its clients), the
 * worker side (host and engine) and the model cache all import, so none of them imports another
 * for a type. Types only: nothing here runs, on either side of `postMessage`.
 */
import type { BackendOverrides, BackendPlan } from './backend-plan.js';
import type { Capabilities } from './capabilities.js';
import type { WasmPaths } from '../../engine/cross-encoder.js';
import type { EngineOptions } from '../../engine/engine.js';
import type { ModelEntry } from '../../core/models.js';
import type { ProgressCallback } from '../../core/progress.js';
import type { Dtype } from '../../core/contract.js';
import type { Reranker, RerankerInfo } from '../../core/reranker.js';
import type { RerankMode, SwitchEvent } from '../../remote/fallback-policy.js';
import type { RemoteRerankerOptions } from '../../remote/remote-reranker.js';

/** Options of the browser's `createReranker()`. All optional. */
export interface BrowserRerankerOptions extends EngineTuning {
  /** Load progress: `download` per file, `progress` in bytes over all files, then `ready`. */
  onProgress?: ProgressCallback;
  /**
   * The models to serve; the first is preloaded. Default: `BAAI/bge-reranker-v2-m3` from the hub
   * (`onnx-community/bge-reranker-v2-m3-ONNX`). A `{ path }` source is resolved against the page's
   * URL; `{ url }` is a self-hosted base URL.
   */
  models?: ModelEntry[];
  /** Run only on this backend (default: WebGPU when a hardware adapter exists, else WASM). */
  device?: 'webgpu' | 'wasm';
  /** Model precision (default: fp16 on WebGPU with shader-f16, else fp32; q8 on WASM). */
  dtype?: Dtype;
  /** WASM threads (default: one per core, at most 8, when cross-origin isolated; else 1). */
  threads?: number;
  /**
   * onnxruntime-web's files (default: the copy the app's bundler ships): a base URL holding its
   * `.mjs` and `.wasm`, or `{ mjs, wasm }` with the URL of each (e.g. from Vite `?url` imports).
   * Resolved against the page. In the page's own thread (`inWorker: false`) WASM gets threads only
   * with this set.
   */
  wasmPaths?: WasmPaths;
  /**
   * Keep downloaded model files in the model cache (default true: the OPFS folder
   * `webrerank-models`), so the next load works offline; each file is checked by size and SHA-256
   * when read. A full disk only turns persistence off (`info().cache` says why). Once a model is
   * cached the page asks the browser to keep it under storage pressure (`navigator.storage.persist()`;
   * the answer is `info().cache.persistence`); `persist: false` doesn't ask.
   */
  cache?: boolean | { name?: string; persist?: boolean };
  /** Run the model in a Web Worker (default: true where `Worker` exists). */
  inWorker?: boolean;
  /**
   * Run the model in a SharedWorker, one for every tab of this origin that asks for the same
   * models and backends: the second tab loads nothing. Falls back to a dedicated worker where
   * there is no SharedWorker; `info().worker` says which ran. Default false.
   */
  shared?: boolean;
  /** Load the first model now (default true): `createReranker` resolves when it is ready. */
  preload?: boolean;
  /**
   * Where reranking runs: `local` (this device only), `remote` (the `remote` server only) or `auto`
   * (this device when it can run the model well, else — or once the local model fails to load or
   * its worker keeps crashing — the remote server). Default: `auto` with a `remote`, else `local`.
   */
  mode?: RerankMode;
  /** A `/v1/rerank` server to use in `remote` and `auto` modes. */
  remote?: RemoteRerankerOptions;
  /** Called once if `auto` mode moves from the device to the remote server. */
  onSwitch?: (event: SwitchEvent) => void;
}

/** What a browser reranker reports. The device details are absent while a remote server answers. */
export type BrowserRerankerInfo = RerankerInfo & Partial<Pick<LocalRerankerInfo, 'inWorker' | 'capabilities' | 'plan' | 'cache'> & WorkerChoice>;

/** A reranker created in a browser: on this device, on a remote server, or either (`auto`). */
export interface BrowserReranker extends Reranker {
  info(): Promise<BrowserRerankerInfo>;
}

/** Engine settings a browser user may tune (all optional; see `EngineOptions`). */
export type EngineTuning = Pick<
  EngineOptions,
  'maxLength' | 'maxQueryTokens' | 'tokenBudget' | 'maxBatchSize' | 'batchInvariant' | 'maxDocuments' | 'maxDocumentCharacters' | 'maxTotalCharacters' | 'loadStallTimeoutMs' | 'scoreCacheBytes'
>;

/** Everything a browser engine is built from. Plain, cloneable data. */
export interface BrowserEngineConfig {
  /** The models served; the first is the one preloaded. */
  models: ModelEntry[];
  overrides: BackendOverrides;
  /** Base URL of onnxruntime-web's .wasm/.mjs files; unset: the copy the app's bundler ships. */
  wasmPaths?: WasmPaths;
  /** The model store (an OPFS folder) for model files, or false to download every time. */
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

/** Whether model files persist, and if not, why. */
export interface CacheState {
  /** A store is in use for reads (files downloaded earlier load from it). */
  readonly enabled: boolean;
  /** New files are written to it; false when storage is full, or there is no store. */
  readonly persistent: boolean;
  /** The store's name (its OPFS folder). */
  readonly name?: string;
  /** Where files are kept: `opfs` (the Origin Private File System). */
  readonly storage?: 'opfs';
  readonly reason?: string;
  /** Whether the browser may evict the cache under storage pressure (asked for once a model is cached). */
  readonly persistence?: StoragePersistence;
}

/** Whether the browser may evict the model cache under storage pressure, and why. */
export interface StoragePersistence {
  /**
   * `persistent`: kept until the user clears the site's data. `best-effort`: may be evicted when
   * storage runs low; the next load then downloads the model again (its `download` events say
   * `source: 'network'`). `unknown`: this browser has no `navigator.storage.persisted()`.
   */
  readonly mode: 'persistent' | 'best-effort' | 'unknown';
  /** Whether webrerank called `navigator.storage.persist()`. */
  readonly requested: boolean;
  /** Why, in words. */
  readonly reason: string;
}

/** `shared`: one SharedWorker for all tabs; `dedicated`: a Worker of this reranker's own; `none`: the page's thread. */
export type WorkerKind = 'shared' | 'dedicated' | 'none';

/** The worker chosen and the reason, in words. */
export interface WorkerChoice {
  worker: WorkerKind;
  workerReason: string;
}

/** The first message on a tab's port to the SharedWorker, before comlink: the lock this tab holds while it lives. */
export interface TabHello {
  webrerankTab: { lock: string | null };
}
