/**
 * The `Reranker` that runs the engine in a Web Worker, over comlink.
 *
 * It keeps the page's promises honest whatever the worker does: an abort rejects at once (and
 * cancels the call in the worker between batches), and a worker that dies — crash, out of memory,
 * closed — rejects every call in flight with `worker_crashed`; the next call starts a fresh worker.
 * That session is core/engine-session.ts, the same as Node's engine thread; comlink is the transport.
 */
import { proxy, wrap, type Remote } from 'comlink';
import { EngineSession, type SessionLife, type SessionTransport } from '../../core/engine-session.js';
import { RerankError, throwIfAborted, toRerankError } from '../../core/errors.js';
import type { ProgressCallback } from '../../core/progress.js';
import type { RerankInput, RerankResponse } from '../../core/contract.js';
import type { RerankOptions, RerankStreamItem } from '../../core/reranker.js';
import { streamRerank } from '../../core/rerank-stream.js';
import type { BrowserEngineConfig, LocalRerankerInfo } from '../shared/public-types.js';
import { validate, type LocalReranker } from './local-reranker.js';
import { watchForStrandedThreads } from '../shared/thread-check.js';
import type { WorkerHost } from '../worker/worker-host.js';
import { watchWorkerStart } from './worker-start-watch.js';

/** What the reranker needs of a worker: a dedicated `Worker`, or a SharedWorker's port made to look like one. */
export type WorkerLike = Pick<Worker, 'postMessage' | 'addEventListener' | 'removeEventListener' | 'terminate'>;

/** One worker as the session's transport: comlink's proxy of its host, and its start. */
interface WorkerLink extends SessionTransport {
  readonly api: Remote<WorkerHost>;
  /** Resolves when the worker has started (and preloaded); rejects as `start()` does. */
  readonly ready: Promise<LocalRerankerInfo>;
}

/** The `Reranker` that runs the engine in a Web Worker. */
export class WorkerReranker implements LocalReranker {
  readonly #session = new EngineSession<WorkerLink>((life) => this.#link(life));

  constructor(
    private readonly config: BrowserEngineConfig,
    private readonly onProgress: ProgressCallback | undefined,
    private readonly spawn: () => WorkerLike,
  ) {}

  /** Starts the worker (and preloads the model) if it isn't running; resolves when it is ready. */
  started(): Promise<LocalRerankerInfo> {
    return this.#session.call((link) => link.ready);
  }

  async rerank(request: RerankInput, options: RerankOptions = {}): Promise<RerankResponse> {
    const valid = validate(this.config, request);
    return this.#session.call(async (link, call) => {
      await link.ready;
      // Aborted while the worker started: don't send a call that would only be cancelled.
      throwIfAborted(options.signal);
      // Partials come back through a callback proxy: one small message per batch.
      const onPartial = options.onPartial;
      return link.api.rerank(valid, call, onPartial ? proxy(onPartial) : undefined);
    }, options.signal);
  }

  rerankStream(request: RerankInput, options: RerankOptions = {}): AsyncIterable<RerankStreamItem> {
    return streamRerank((body, withPartials) => this.rerank(body, withPartials), request, options);
  }

  async load(modelId?: string): Promise<LocalRerankerInfo> {
    return this.#session.call(async (link) => {
      await link.ready;
      return link.api.load(modelId);
    });
  }

  async info(): Promise<LocalRerankerInfo> {
    return this.#session.call(async (link) => {
      await link.ready;
      return link.api.info();
    });
  }

  async dispose(): Promise<void> {
    await this.#session.dispose(new RerankError('worker_crashed', 'The reranker was disposed while this call ran.'));
  }

  /** Starts a worker whose death — an event, a stranded thread, its lifeline — ends `life`. */
  #link(life: SessionLife): WorkerLink {
    const worker = this.spawn();
    const api = wrap<WorkerHost>(worker);
    const lifeline = new AbortController();
    // A WASM thread that can never start blocks the worker; the page hears of it here.
    const stopThreadCheck = watchForStrandedThreads((error) => life.fail(error));
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      life.crash(`The rerank worker failed: ${event.message || 'it could not be started or threw an uncaught error'}.`);
    });
    worker.addEventListener('messageerror', () => life.crash('A message from the rerank worker could not be read.'));
    const start = async (): Promise<LocalRerankerInfo> => {
      const name = `webrerank-worker-${randomId()}`;
      const held = await Promise.race([api.holdLifeline(name), life.dead]);
      // The worker holds the lock until it dies; ours is granted exactly then. This is how a
      // crash, an out-of-memory kill or self.close() — none of which fires an event — is noticed.
      if (held) watchLifeline(name, lifeline.signal, () => life.crash('The rerank worker stopped (it crashed, ran out of memory or was closed).'));
      // The page keeps the clock on the load: a worker blocked in the runtime can't report a stall.
      const watch = watchWorkerStart(this.config.engine.loadStallTimeoutMs, this.onProgress);
      return watch.guard(Promise.race([api.start(this.config, proxy(watch.progress)), life.dead]));
    };
    const ready = start();
    // A failed start (say the model failed to load) ends the worker, so the next call retries.
    ready.catch((error: unknown) => life.fail(toRerankError(error)));
    return {
      api,
      ready,
      cancel: (call) => void api.cancel(call).catch(() => undefined),
      terminate: () => {
        stopThreadCheck();
        lifeline.abort();
        worker.terminate();
      },
    };
  }
}

function watchLifeline(name: string, signal: AbortSignal, onRelease: () => void): void {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  locks?.request(name, { signal }, () => onRelease()).catch(() => undefined);
}

function randomId(): string {
  return typeof crypto?.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}
