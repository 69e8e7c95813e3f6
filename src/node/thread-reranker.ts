/**
 * The `Reranker` whose engine runs in its own `node:worker_threads` thread (engine-thread.ts), so
 * that onnxruntime-node's synchronous runs never hold the caller's event loop.
 *
 * It keeps the caller's promises honest whatever the thread does: an abort rejects at once (and
 * cancels the call in the thread, which stops at its next batch), and a thread that dies — an
 * uncaught error, out of memory, exit — rejects every call in flight with `worker_crashed`; the
 * next call starts a fresh thread (at once, when the dead one had loaded its model, so a server
 * comes back by itself). The session — call numbers, cancel, crash, respawn — is core/engine-session.ts,
 * the same as the browser's worker; thread-link.ts is the transport. `info()` answers from the last state the thread reported, without a round
 * trip: a thread busy in a batch can't answer, and `/health` must not wait for it.
 */
import { EngineSession } from '../core/engine-session.js';
import { disposedError } from '../core/errors.js';
import { checkRerankRequestShape, requestLimits, validateRerankRequest, type RerankInput, type RerankRequest, type RerankResponse, type ValidationLimits } from '../core/contract.js';
import { guardProgress, type ProgressCallback } from '../core/progress.js';
import type { RerankOptions, Reranker, RerankerInfo, RerankStreamItem } from '../core/reranker.js';
import { streamRerank } from '../core/rerank-stream.js';
import { nodeModelRegistry } from './node-engine.js';
import { ThreadLink, type ThreadNews } from './thread-link.js';
import type { EngineThreadOptions, EngineThreadStarter } from './thread-protocol.js';
import { startEngineThread } from './thread-start.js';

/** How long `dispose()` lets the thread free its model before the thread is stopped anyway. */
const DISPOSE_GRACE_MS = 5_000;

/** The `Reranker` that runs the engine in a worker thread. */
export class ThreadReranker implements Reranker {
  readonly #models: string[];
  readonly #limits: ValidationLimits;
  readonly #session: EngineSession<ThreadLink>;
  #info: RerankerInfo;

  /** `start` starts the thread (default: engine-thread.js); tests pass their own to start another entry. */
  constructor(options: EngineThreadOptions, onProgress?: ProgressCallback, start: EngineThreadStarter = startEngineThread) {
    const progress = guardProgress(onProgress);
    this.#models = nodeModelRegistry(options).ids();
    this.#limits = { models: this.#models, ...requestLimits(options) };
    this.#info = this.#idle();
    const news: ThreadNews = {
      progress: (event) => progress?.(event),
      info: (link, info) => {
        if (link === this.#session.live) this.#info = { ...info, models: this.#models };
      },
    };
    this.#session = new EngineSession(
      (life) => new ThreadLink(start(options), life, news),
      (dead) => this.#restore(dead),
    );
  }

  /** Loads `modelId` (default: the first served) in the thread, starting the thread if needed. */
  async load(modelId: string = this.#models[0] ?? ''): Promise<void> {
    const loading = this.#session.call(async (link, call) => {
      await link.request({ type: 'load', call, modelId });
      link.loaded.add(modelId);
    });
    if (this.#info.state !== 'ready') this.#info = { ...this.#info, state: 'loading' };
    await loading;
  }

  /**
   * Validates `request` here, in the caller's thread — the library caller's boundary — with the
   * limits this reranker was made with; the thread behind only checks the shape.
   */
  async rerank(request: RerankInput, options: RerankOptions = {}): Promise<RerankResponse> {
    return this.rerankValidated(validateRerankRequest(request, this.#limits), options);
  }

  /** Ranks a request validated by the caller (the server's door): only its shape is checked, so nothing uncloneable is posted. */
  async rerankValidated(request: RerankRequest, options: RerankOptions = {}): Promise<RerankResponse> {
    const valid = checkRerankRequestShape(request);
    const partials = options.onPartial !== undefined;
    return this.#session.call((link, call) => link.request({ type: 'rerank', call, request: valid, partials }, options), options.signal) as Promise<RerankResponse>;
  }

  rerankStream(request: RerankInput, options: RerankOptions = {}): AsyncIterable<RerankStreamItem> {
    return streamRerank((body, withPartials) => this.rerank(body, withPartials), request, options);
  }

  async info(): Promise<RerankerInfo> {
    return { ...this.#info };
  }

  /** Lets the thread free the model; a thread stuck in a long batch is stopped after the grace time. */
  async dispose(): Promise<void> {
    await this.#session.dispose(disposedError(), (link, call) => withinGrace(link.request({ type: 'dispose', call })));
  }

  /** The live thread died: its loaded models come back in a fresh thread, so a server recovers by itself. */
  #restore(dead: ThreadLink): void {
    this.#info = this.#idle();
    for (const modelId of dead.loaded) this.load(modelId).catch(() => undefined);
  }

  #idle(): RerankerInfo {
    return { backend: null, dtype: null, state: 'idle', models: this.#models };
  }
}

/** `work`, or nothing once the dispose grace time has passed. */
async function withinGrace(work: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([work.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, DISPOSE_GRACE_MS)))]);
  clearTimeout(timer);
}
