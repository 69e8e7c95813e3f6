/**
 * The `Reranker` that runs the engine in a Web Worker, over comlink.
 *
 * It keeps the page's promises honest whatever the worker does: an abort rejects at once (and
 * cancels the call in the worker between batches), and a worker that dies — crash, out of memory,
 * closed — rejects every call in flight with `worker_crashed`; the next call starts a fresh worker.
 */
import { proxy, wrap, type Remote } from 'comlink';
import { RerankError, disposedError, throwIfAborted } from '../../core/errors.js';
import type { ProgressCallback } from '../../core/progress.js';
import type { RerankInput, RerankRequest, RerankResponse } from '../../core/contract.js';
import type { RerankOptions, RerankStreamItem } from '../../core/reranker.js';
import { streamRerank } from '../../core/rerank-stream.js';
import type { BrowserEngineConfig, LocalRerankerInfo } from '../shared/public-types.js';
import { abortable, validate, type LocalReranker } from './local-reranker.js';
import { watchForStrandedThreads } from '../shared/thread-check.js';
import type { WorkerHost } from '../worker/worker-host.js';
import { watchWorkerStart } from './worker-start-watch.js';

/** What the reranker needs of a worker: a dedicated `Worker`, or a SharedWorker's port made to look like one. */
export type WorkerLike = Pick<Worker, 'postMessage' | 'addEventListener' | 'removeEventListener' | 'terminate'>;

/** One worker and what the page knows about it. */
interface Session {
  readonly worker: WorkerLike;
  readonly api: Remote<WorkerHost>;
  /** Resolves when the worker has started (and preloaded); rejects as `start()` does. */
  readonly ready: Promise<LocalRerankerInfo>;
  /** Rejects with `worker_crashed` when the worker dies (or with why it was stopped); never resolves. */
  readonly dead: Promise<never>;
  alive: boolean;
  /** Stops the worker; every call in flight rejects with `worker_crashed` and `reason`. */
  end(reason: string): void;
  /** Stops the worker; every call in flight rejects with `error`. */
  fail(error: RerankError): void;
}

/** The `Reranker` that runs the engine in a Web Worker. */
export class WorkerReranker implements LocalReranker {
  #session: Session | undefined;
  #disposed = false;
  #nextCallId = 1;

  constructor(
    private readonly config: BrowserEngineConfig,
    private readonly onProgress: ProgressCallback | undefined,
    private readonly spawn: () => WorkerLike,
  ) {}

  /** Starts the worker (and preloads the model) if it isn't running; resolves when it is ready. */
  started(): Promise<LocalRerankerInfo> {
    const session = this.#current();
    return Promise.race([session.ready, session.dead]);
  }

  async rerank(request: RerankInput, options: RerankOptions = {}): Promise<RerankResponse> {
    const valid = validate(this.config, request);
    throwIfAborted(options.signal);
    const session = this.#current();
    const callId = this.#nextCallId++;
    const run = async (): Promise<RerankResponse> => {
      await Promise.race([session.ready, session.dead]);
      // Aborted while the worker started: don't send a call that would only be cancelled.
      throwIfAborted(options.signal);
      // Partials come back through a callback proxy: one small message per batch.
      const onPartial = options.onPartial;
      return Promise.race([session.api.rerank(valid, callId, onPartial ? proxy(onPartial) : undefined), session.dead]);
    };
    return abortable(run(), options.signal, () => {
      if (session.alive) session.api.cancel(callId).catch(() => undefined);
    });
  }

  rerankStream(request: RerankInput, options: RerankOptions = {}): AsyncIterable<RerankStreamItem> {
    return streamRerank((body, withPartials) => this.rerank(body, withPartials), request, options);
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
    // A WASM thread that can never start blocks the worker; the page hears of it here.
    const stopThreadCheck = watchForStrandedThreads((error) => session.fail(error));
    /** Stops the worker and forgets it; false if it was already gone. */
    const retire = (): boolean => {
      if (!session.alive) return false;
      session.alive = false;
      stopThreadCheck();
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
      // The page keeps the clock on the load: a worker blocked in the runtime can't report a stall.
      const watch = watchWorkerStart(this.config.engine.loadStallTimeoutMs, this.onProgress);
      return watch.guard(Promise.race([api.start(this.config, proxy(watch.progress)), dead]), () => retire());
    };
    const session: Session = {
      worker,
      api,
      dead,
      alive: true,
      end: (reason) => session.fail(new RerankError('worker_crashed', reason)),
      fail: (error) => {
        if (retire()) reject(error);
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
