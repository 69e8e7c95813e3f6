/**
 * The `Reranker` whose engine runs in its own `node:worker_threads` thread (engine-thread.ts), so
 * that onnxruntime-node's synchronous runs never hold the caller's event loop.
 *
 * It keeps the caller's promises honest whatever the thread does: an abort rejects at once (and
 * cancels the call in the thread, which stops at its next batch), and a thread that dies — an
 * uncaught error, out of memory, exit — rejects every call in flight with `worker_crashed`; the
 * next call starts a fresh thread (at once, when the dead one had loaded its model, so a server
 * comes back by itself). `info()` answers from the last state the thread reported, without a round
 * trip: a thread busy in a batch can't answer, and `/health` must not wait for it.
 */
import { abortable } from '../core/abortable.js';
import { RerankError, deserializeRerankError, disposedError, messageOf, throwIfAborted } from '../core/errors.js';
import { checkRerankRequestShape, type RerankInput, type RerankResponse } from '../core/contract.js';
import { guardProgress, type ProgressCallback } from '../core/progress.js';
import type { RerankOptions, RerankPartial, Reranker, RerankerInfo, RerankStreamItem } from '../core/reranker.js';
import { streamRerank } from '../core/rerank-stream.js';
import { nodeModelRegistry } from './node-engine.js';
import type { EngineThreadHandle, EngineThreadOptions, EngineThreadStarter, FromEngineThread, ToEngineThread } from './thread-protocol.js';
import { startEngineThread } from './thread-start.js';

/** How long `dispose()` lets the thread free its model before the thread is stopped anyway. */
const DISPOSE_GRACE_MS = 5_000;

interface PendingCall {
  resolve(value: RerankResponse | null): void;
  reject(error: RerankError): void;
  onStart?: () => void;
  onScored?: (windows: number) => void;
  onPartial?: (partial: RerankPartial) => void;
}

/** One thread and the calls it owes an answer. */
interface Session {
  readonly worker: EngineThreadHandle;
  readonly calls: Map<number, PendingCall>;
  alive: boolean;
  /** Models this thread loaded (to load again in a fresh thread after a crash). */
  loaded: Set<string>;
}

/** The `Reranker` that runs the engine in a worker thread. */
export class ThreadReranker implements Reranker {
  readonly #options: EngineThreadOptions;
  readonly #onProgress: ProgressCallback | undefined;
  readonly #start: EngineThreadStarter;
  readonly #models: string[];
  #info: RerankerInfo;
  #session: Session | undefined;
  #nextCall = 1;
  #disposed = false;

  /** `start` starts the thread (default: engine-thread.js); tests pass their own to start another entry. */
  constructor(options: EngineThreadOptions, onProgress?: ProgressCallback, start: EngineThreadStarter = startEngineThread) {
    this.#options = options;
    this.#onProgress = guardProgress(onProgress);
    this.#start = start;
    this.#models = nodeModelRegistry(options).ids();
    this.#info = { backend: null, dtype: null, state: 'idle', models: this.#models };
  }

  /** Loads `modelId` (default: the first served) in the thread, starting the thread if needed. */
  async load(modelId: string = this.#models[0] ?? ''): Promise<void> {
    const session = this.#current();
    if (this.#info.state !== 'ready') this.#info = { ...this.#info, state: 'loading' };
    await this.#call(session, { type: 'load', call: this.#nextCall++, modelId });
    session.loaded.add(modelId);
  }

  async rerank(request: RerankInput, options: RerankOptions = {}): Promise<RerankResponse> {
    // The shape is checked here, so nothing uncloneable is posted; the engine in the thread checks
    // the limits (and turns object documents into texts within them), with the one copy of the
    // limits it was started with.
    const valid = checkRerankRequestShape(request);
    throwIfAborted(options.signal);
    const session = this.#current();
    const call = this.#nextCall++;
    const work = this.#call(session, { type: 'rerank', call, request: valid, partials: options.onPartial !== undefined }, options) as Promise<RerankResponse>;
    return abortable(work, options.signal, () => this.#post(session, { type: 'cancel', call }));
  }

  rerankStream(request: RerankInput, options: RerankOptions = {}): AsyncIterable<RerankStreamItem> {
    return streamRerank((body, withPartials) => this.rerank(body, withPartials), request, options);
  }

  async info(): Promise<RerankerInfo> {
    return { ...this.#info };
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const session = this.#session;
    this.#session = undefined;
    if (!session?.alive) return;
    // Let the thread free the model; a thread stuck in a long batch is stopped after the grace time.
    const freed = this.#call(session, { type: 'dispose', call: this.#nextCall++ }).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([freed, new Promise((resolve) => (timer = setTimeout(resolve, DISPOSE_GRACE_MS)))]);
    clearTimeout(timer);
    this.#end(session, disposedError());
  }

  /** The live thread, or a fresh one when there is none (first call, or the last one died). */
  #current(): Session {
    if (this.#disposed) throw disposedError();
    if (!this.#session?.alive) this.#session = this.#spawn();
    return this.#session;
  }

  #spawn(): Session {
    const worker = this.#start(this.#options);
    // The thread keeps the process alive only while it owes answers (see #call).
    worker.unref();
    const session: Session = { worker, calls: new Map(), alive: true, loaded: new Set() };
    worker.on('message', (message) => this.#receive(session, message));
    worker.on('error', (error) => this.#crashed(session, `The rerank thread failed: ${messageOf(error)}`));
    worker.on('messageerror', () => this.#crashed(session, 'A message from the rerank thread could not be read.'));
    worker.on('exit', (code) => this.#crashed(session, `The rerank thread exited (code ${code}).`));
    return session;
  }

  /** Sends `message` and resolves with its answer; `message.call` must be a fresh number. */
  #call(session: Session, message: ToEngineThread & { type: 'load' | 'rerank' | 'dispose' }, { onStart, onScored, onPartial }: RerankOptions = {}): Promise<RerankResponse | null> {
    return new Promise((resolve, reject) => {
      if (!session.alive) return reject(new RerankError('worker_crashed', 'The rerank thread is gone.'));
      session.calls.set(message.call, { resolve, reject, ...(onStart ? { onStart } : {}), ...(onScored ? { onScored } : {}), ...(onPartial ? { onPartial } : {}) });
      if (session.calls.size === 1) session.worker.ref();
      this.#post(session, message);
    });
  }

  #post(session: Session, message: ToEngineThread): void {
    if (session.alive) session.worker.postMessage(message);
  }

  #receive(session: Session, message: FromEngineThread): void {
    if (message.type === 'progress') return this.#onProgress?.(message.event);
    if (message.type === 'started') return session.calls.get(message.call)?.onStart?.();
    if (message.type === 'scored') return session.calls.get(message.call)?.onScored?.(message.windows);
    if (message.type === 'partial') return session.calls.get(message.call)?.onPartial?.(message.partial);
    if (session === this.#session) this.#info = { ...message.info, models: this.#models };
    if (message.type === 'info') return;
    const pending = session.calls.get(message.call);
    if (!pending) return;
    this.#settled(session, message.call);
    if (message.type === 'done') pending.resolve(message.value);
    else pending.reject(deserializeRerankError(message.error));
  }

  #settled(session: Session, call: number): void {
    session.calls.delete(call);
    if (session.calls.size === 0) session.worker.unref();
  }

  /** The thread died: every call in flight gets its one answer, and a loaded model comes back. */
  #crashed(session: Session, reason: string): void {
    if (!session.alive) return;
    this.#end(session, new RerankError('worker_crashed', reason));
    if (this.#session !== session) return;
    this.#session = undefined;
    this.#info = { backend: null, dtype: null, state: 'idle', models: this.#models };
    for (const modelId of session.loaded) this.load(modelId).catch(() => undefined);
  }

  /** Stops the thread; every call in flight rejects with `error`. */
  #end(session: Session, error: RerankError): void {
    if (!session.alive) return;
    session.alive = false;
    for (const [call, pending] of session.calls) {
      this.#settled(session, call);
      pending.reject(error);
    }
    void session.worker.terminate();
  }
}
