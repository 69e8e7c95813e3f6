/**
 * The page side: `createReranker()` runs the engine in a Web Worker (or, where there is no
 * `Worker` or when asked, in the page's own thread) behind the same `Reranker` interface.
 *
 * The worker client keeps the page's promises honest whatever the worker does: an abort rejects at
 * once (and cancels the call in the worker between batches), and a worker that dies — crash, out of
 * memory, closed — rejects every call in flight with `worker_crashed`; the next call starts a fresh
 * worker.
 */
import { proxy, wrap, type Remote } from 'comlink';
import type { BackendOverrides } from './backend-plan.js';
import { startBrowserEngine, type BrowserEngine, type BrowserEngineConfig, type LocalRerankerInfo, type EngineTuning } from './browser-engine.js';
import { registerErrorTransfer } from './comlink-errors.js';
import { AbortError, RerankError, isRerankError, throwIfAborted } from './errors.js';
import { chooseMode, createFallbackReranker, type FallbackOptions, type RerankMode, type SwitchEvent } from './fallback-policy.js';
import { BUILTIN_MODELS, type ModelEntry } from './models.js';
import { DEFAULT_CACHE_NAME } from './model-cache.js';
import type { ProgressCallback } from './progress.js';
import { DEFAULT_MAX_DOCUMENTS, validateRerankRequest, type Dtype, type RerankRequest, type RerankResponse } from './protocol.js';
import { createRemoteReranker, type RemoteRerankerOptions } from './remote.js';
import type { RerankOptions, Reranker, RerankerInfo } from './reranker.js';
import type { WorkerHost } from './worker-host.js';

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
  /** Base URL of onnxruntime-web's .wasm/.mjs files (default: the copy the app's bundler ships). */
  wasmPaths?: string;
  /**
   * Keep downloaded model files in the Cache API (default true, cache `webrerank-models`), so the
   * next load works offline. A full disk only turns persistence off.
   */
  cache?: boolean | { name?: string };
  /** Run the model in a Web Worker (default: true where `Worker` exists). */
  inWorker?: boolean;
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
export type BrowserRerankerInfo = RerankerInfo & Partial<Pick<LocalRerankerInfo, 'inWorker' | 'capabilities' | 'plan' | 'cache'>>;

/** A reranker created in a browser: on this device, on a remote server, or either (`auto`). */
export interface BrowserReranker extends Reranker {
  info(): Promise<BrowserRerankerInfo>;
}

/** A reranker on this device (in a worker or in the page). */
export interface LocalReranker extends BrowserReranker {
  info(): Promise<LocalRerankerInfo>;
  /** Probes and plans (starting the worker) if not done yet; resolves with what was found. */
  started(): Promise<LocalRerankerInfo>;
  /** Loads `modelId` (default: the first served) ahead of the first request. */
  load(modelId?: string): Promise<LocalRerankerInfo>;
}

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
  if (mode === 'remote') {
    chooseMode({ mode, planCanRunLocally: false, remoteConfigured: remote !== undefined });
    return remote as Reranker;
  }

  // Probe and plan first (in the worker, where the model would run), load only once it's decided.
  const local = createLocalReranker({ ...options, preload: false });
  let planCanRunLocally: boolean;
  try {
    const found = await local.started();
    // `auto` asks whether this device runs the model *well*; `local` only whether it runs at all.
    planCanRunLocally = mode === 'auto' ? found.plan.local : true;
  } catch (error) {
    if (mode !== 'auto' || !isRerankError(error) || error.code !== 'model_unavailable') {
      await local.dispose();
      throw error;
    }
    planCanRunLocally = false;
  }
  const decision = chooseMode({ mode, planCanRunLocally, remoteConfigured: remote !== undefined });
  if (decision.start === 'remote') {
    await local.dispose();
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

/** A reranker on this device, in a worker unless there is none or `inWorker` is false. */
function createLocalReranker(options: BrowserRerankerOptions): LocalReranker {
  const config = engineConfig(options);
  const inWorker = options.inWorker ?? typeof Worker === 'function';
  return inWorker ? new WorkerReranker(config, options.onProgress, startWorker) : new InThreadReranker(config, options.onProgress);
}

/**
 * Starts the worker. The literal `new Worker(new URL(…, import.meta.url), { type: 'module' })` is
 * what bundlers (Vite, webpack 5, Rollup plugins, esbuild plugins) recognize and bundle: from
 * source, Vite maps `rerank.worker.js` to `rerank.worker.ts`; from the built package, the .js is there.
 */
function startWorker(): Worker {
  return new Worker(new URL('../worker/rerank.worker.js', import.meta.url), { type: 'module' });
}

/** The plain-data engine config for `options`, with page-relative model paths made absolute. */
export function engineConfig(options: BrowserRerankerOptions): BrowserEngineConfig {
  const overrides: BackendOverrides = {};
  if (options.device !== undefined) overrides.device = options.device;
  if (options.dtype !== undefined) overrides.dtype = options.dtype;
  if (options.threads !== undefined) overrides.threads = options.threads;
  const engine: EngineTuning = {};
  for (const key of ['maxLength', 'maxQueryTokens', 'tokenBudget', 'maxBatchSize', 'batchInvariant', 'maxDocuments'] as const) {
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
  if (options.wasmPaths !== undefined) config.wasmPaths = new URL(options.wasmPaths, baseUrl()).href;
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

function baseUrl(): string {
  const scope = globalThis as { document?: { baseURI?: string }; location?: { href?: string } };
  return scope.document?.baseURI ?? scope.location?.href ?? 'http://localhost/';
}

/** Validates on the page, so a bad request fails at once (and nothing uncloneable is posted). */
function validate(config: BrowserEngineConfig, request: RerankRequest): RerankRequest {
  return validateRerankRequest(request, { models: config.models.map((entry) => entry.id), maxDocuments: config.engine.maxDocuments ?? DEFAULT_MAX_DOCUMENTS });
}

/** Settles with `work`, or rejects with an AbortError the moment `signal` fires. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      reject(new AbortError(undefined, { cause: signal.reason }));
      onAbort();
    };
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function disposedError(): RerankError {
  return new RerankError('model_unavailable', 'This reranker has been disposed.');
}

/** One worker and what the page knows about it. */
interface Session {
  readonly worker: Worker;
  readonly api: Remote<WorkerHost>;
  /** Resolves when the worker has started (and preloaded); rejects as `start()` does. */
  readonly ready: Promise<LocalRerankerInfo>;
  /** Rejects with `worker_crashed` when the worker dies; never resolves. */
  readonly dead: Promise<never>;
  alive: boolean;
  end(reason: string): void;
}

/** The `Reranker` that runs the engine in a Web Worker. */
export class WorkerReranker implements LocalReranker {
  #session: Session | undefined;
  #disposed = false;
  #nextCallId = 1;

  constructor(
    private readonly config: BrowserEngineConfig,
    private readonly onProgress: ProgressCallback | undefined,
    private readonly spawn: () => Worker,
  ) {}

  /** Starts the worker (and preloads the model) if it isn't running; resolves when it is ready. */
  started(): Promise<LocalRerankerInfo> {
    const session = this.#current();
    return Promise.race([session.ready, session.dead]);
  }

  async rerank(request: RerankRequest, options: RerankOptions = {}): Promise<RerankResponse> {
    const valid = validate(this.config, request);
    throwIfAborted(options.signal);
    const session = this.#current();
    const callId = this.#nextCallId++;
    const run = async (): Promise<RerankResponse> => {
      await Promise.race([session.ready, session.dead]);
      // Aborted while the worker started: don't send a call that would only be cancelled.
      throwIfAborted(options.signal);
      return Promise.race([session.api.rerank(valid, callId), session.dead]);
    };
    return abortable(run(), options.signal, () => {
      if (session.alive) session.api.cancel(callId).catch(() => undefined);
    });
  }

  async load(modelId?: string): Promise<LocalRerankerInfo> {
    const session = this.#current();
    await Promise.race([session.ready, session.dead]);
    return Promise.race([session.api.load(modelId), session.dead]);
  }

  async info(): Promise<LocalRerankerInfo> {
    const session = this.#current();
    await Promise.race([session.ready, session.dead]);
    return Promise.race([session.api.info(), session.dead]);
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#session?.end('The reranker was disposed while this call ran.');
    this.#session = undefined;
  }

  /** The live session, or a fresh worker when there is none (first call, or the last one died). */
  #current(): Session {
    if (this.#disposed) throw disposedError();
    if (!this.#session?.alive) this.#session = this.#spawnSession();
    return this.#session;
  }

  #spawnSession(): Session {
    const worker = this.spawn();
    const api = wrap<WorkerHost>(worker);
    let reject!: (error: RerankError) => void;
    const dead = new Promise<never>((_, fail) => (reject = fail));
    dead.catch(() => undefined);
    const lifeline = new AbortController();
    /** Stops the worker and forgets it; false if it was already gone. */
    const retire = (): boolean => {
      if (!session.alive) return false;
      session.alive = false;
      lifeline.abort();
      worker.terminate();
      if (this.#session === session) this.#session = undefined;
      return true;
    };
    const start = async (): Promise<LocalRerankerInfo> => {
      const name = `webrerank-worker-${randomId()}`;
      const held = await Promise.race([api.holdLifeline(name), dead]);
      // The worker holds the lock until it dies; ours is granted exactly then. This is how a
      // crash, an out-of-memory kill or self.close() — none of which fires an event — is noticed.
      if (held) watchLifeline(name, lifeline.signal, () => session.end('The rerank worker stopped (it crashed, ran out of memory or was closed).'));
      const progress = this.onProgress && proxy(this.onProgress);
      return Promise.race([api.start(this.config, progress), dead]);
    };
    const session: Session = {
      worker,
      api,
      dead,
      alive: true,
      end: (reason) => {
        if (retire()) reject(new RerankError('worker_crashed', reason));
      },
      get ready() {
        return ready;
      },
    };
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      session.end(`The rerank worker failed: ${event.message || 'it could not be started or threw an uncaught error'}.`);
    });
    worker.addEventListener('messageerror', () => session.end('A message from the rerank worker could not be read.'));
    const ready = start();
    // A failed start (say the model failed to load) retires the worker, so the next call retries.
    ready.catch(retire);
    return session;
  }
}

function watchLifeline(name: string, signal: AbortSignal, onRelease: () => void): void {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  locks?.request(name, { signal }, () => onRelease()).catch(() => undefined);
}

function randomId(): string {
  return typeof crypto?.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/** The `Reranker` that runs the engine in the page's own thread (no Worker, or `inWorker: false`). */
export class InThreadReranker implements LocalReranker {
  #engine: Promise<BrowserEngine> | undefined;
  #disposed = false;

  constructor(
    private readonly config: BrowserEngineConfig,
    private readonly onProgress: ProgressCallback | undefined,
  ) {}

  async started(): Promise<LocalRerankerInfo> {
    return (await this.#current()).info();
  }

  async rerank(request: RerankRequest, options: RerankOptions = {}): Promise<RerankResponse> {
    const valid = validate(this.config, request);
    throwIfAborted(options.signal);
    const engine = await this.#current();
    // The engine stops at the next batch boundary; the caller hears of the abort at once.
    return abortable(engine.rerank(valid, options), options.signal, () => undefined);
  }

  async load(modelId?: string): Promise<LocalRerankerInfo> {
    const engine = await this.#current();
    await engine.load(modelId);
    return engine.info();
  }

  async info(): Promise<LocalRerankerInfo> {
    return (await this.#current()).info();
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    const engine = this.#engine;
    this.#engine = undefined;
    await (await engine?.catch(() => undefined))?.dispose();
  }

  #current(): Promise<BrowserEngine> {
    if (this.#disposed) return Promise.reject(disposedError());
    if (!this.#engine) {
      const onProgress = this.onProgress;
      // A throwing progress callback must not break the download it reports on.
      const progress: ProgressCallback | undefined = onProgress && ((event) => {
        try {
          onProgress(event);
        } catch {
          // ignored: the callback is the app's
        }
      });
      const engine = startBrowserEngine(this.config, progress, { inWorker: false });
      this.#engine = engine;
      engine.catch(() => {
        if (this.#engine === engine) this.#engine = undefined;
      });
    }
    return this.#engine;
  }
}
