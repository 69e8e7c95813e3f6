/**
 * Local or remote: the one place that decides where a rerank runs, and when to give up on the
 * device for good.
 *
 * `chooseMode` is the decision before anything loads (a pure function of what the caller asked for
 * and what the device can do). `createFallbackReranker` is the decision afterwards: in `auto` it
 * answers on the device and moves to the remote server, once and for good, when the local model
 * can't load or its worker keeps dying.
 */
import { RerankError, disposedError, isRerankError, type RerankErrorCode } from '../core/errors.js';
import type { RerankInput, RerankRequest, RerankResponse } from '../core/contract.js';
import type { RerankOptions, Reranker, RerankerInfo, RerankStreamItem } from '../core/reranker.js';
import { streamRerank } from '../core/rerank-stream.js';

/** Where the caller wants reranking to run: on the device, on a server, or the device first. */
export type RerankMode = 'local' | 'remote' | 'auto';

/** What `chooseMode` needs to know. */
export interface ModeInputs {
  mode: RerankMode;
  /** Whether the device's backend plan has at least one backend that can run the model. */
  planCanRunLocally: boolean;
  /** Whether a remote server (base URL) is configured. */
  remoteConfigured: boolean;
}

/** Where to start, and whether a remote stands by for a switch. */
export interface ModeDecision {
  start: 'local' | 'remote';
  /** True when `auto` starts locally with a remote to fall back to. */
  canFallBack: boolean;
  /** Why, in words, for logs and `info()`. */
  reason: string;
}

/**
 * Decides where reranking starts. `local` never uses the network for inference; `remote` never
 * loads a model; `auto` prefers the device and keeps the remote as a fallback.
 * Throws a 503 `model_unavailable` RerankError when the mode can't be served at all.
 *
 * @example
 * chooseMode({ mode: 'auto', planCanRunLocally: false, remoteConfigured: true });
 * // { start: 'remote', canFallBack: false, reason: 'this device cannot run the model locally' }
 */
export function chooseMode({ mode, planCanRunLocally, remoteConfigured }: ModeInputs): ModeDecision {
  switch (mode) {
    case 'local':
      if (!planCanRunLocally) throw new RerankError('model_unavailable', 'mode is "local", but this device cannot run the model (no usable backend).');
      return { start: 'local', canFallBack: false, reason: 'mode is "local"' };
    case 'remote':
      if (!remoteConfigured) throw new RerankError('model_unavailable', 'mode is "remote", but no remote server is configured (set remote.baseUrl).');
      return { start: 'remote', canFallBack: false, reason: 'mode is "remote"' };
    case 'auto':
      if (planCanRunLocally) return { start: 'local', canFallBack: remoteConfigured, reason: 'this device can run the model' };
      if (remoteConfigured) return { start: 'remote', canFallBack: false, reason: 'this device cannot run the model locally' };
      throw new RerankError('model_unavailable', 'This device cannot run the model locally and no remote server is configured.');
    default:
      throw new TypeError(`mode must be "local", "remote" or "auto", got "${String(mode)}".`);
  }
}

/** Why the fallback reranker moved to the remote server. */
export interface SwitchEvent {
  from: 'local';
  to: 'remote';
  /** The local error's code: `model_load_failed`, `model_load_stalled`, `model_unavailable`, `out_of_memory` or `worker_crashed`. */
  code: RerankErrorCode;
  /** A sentence for logs and the UI. */
  reason: string;
  /** The local failure that caused the switch. */
  error: RerankError;
}

export interface FallbackOptions {
  /** Called once, when the switch to remote happens. Errors it throws are ignored. */
  onSwitch?: (event: SwitchEvent) => void;
  /** Worker crashes in a row that count as "keeps dying" (default 2). */
  crashesBeforeSwitch?: number;
}

/** Local failures that mean the model can't load (or doesn't fit) here: switch at once. */
const LOAD_FAILURES: ReadonlySet<RerankErrorCode> = new Set(['model_load_failed', 'model_load_stalled', 'model_unavailable', 'out_of_memory']);

/**
 * A reranker for `auto` mode: answers through the local reranker and switches to `remote` for good
 * when the local model fails to load or its worker crashes `crashesBeforeSwitch` times in a row.
 * The request that hit the failure is answered by the remote, so the caller sees no error.
 * Other errors (a bad request, an abort) pass through untouched: the remote would refuse them too.
 *
 * `local` is a factory so that nothing loads until the first request, and nothing loads at all
 * once the remote has taken over. Without a `remote`, local failures are thrown as they are.
 *
 * @example
 * const reranker = createFallbackReranker(() => createWorkerReranker(options), createRemoteReranker({ baseUrl }), {
 *   onSwitch: ({ reason }) => console.warn(`Reranking remotely: ${reason}`),
 * });
 */
export function createFallbackReranker(local: () => Promise<Reranker>, remote: Reranker | undefined, options: FallbackOptions = {}): Reranker {
  return new FallbackReranker(local, remote, options);
}

class FallbackReranker implements Reranker {
  readonly #createLocal: () => Promise<Reranker>;
  readonly #remote: Reranker | undefined;
  readonly #onSwitch: ((event: SwitchEvent) => void) | undefined;
  readonly #crashesBeforeSwitch: number;
  #local: Promise<Reranker> | undefined;
  #crashesInARow = 0;
  /** Set once the remote has taken over; never unset. */
  #switched: { event: SwitchEvent; remote: Reranker } | undefined;
  #disposed = false;

  constructor(local: () => Promise<Reranker>, remote: Reranker | undefined, options: FallbackOptions) {
    this.#createLocal = local;
    this.#remote = remote;
    this.#onSwitch = options.onSwitch;
    this.#crashesBeforeSwitch = options.crashesBeforeSwitch ?? 2;
  }

  async rerank(request: RerankInput, options: RerankOptions = {}): Promise<RerankResponse> {
    if (this.#disposed) throw disposedError();
    for (;;) {
      if (this.#switched) return this.#switched.remote.rerank(request, options);
      try {
        const local = await this.#localReranker();
        const response = await local.rerank(request, options);
        this.#crashesInARow = 0;
        return response;
      } catch (error) {
        // Loops again only after a first crash (retry on the device) or a switch (answer remotely).
        if (!this.#shouldRetryAfter(error)) throw error;
      }
    }
  }

  rerankStream(request: RerankInput, options: RerankOptions = {}): AsyncIterable<RerankStreamItem> {
    return streamRerank((body, withPartials) => this.rerank(body, withPartials), request, options);
  }

  async info(): Promise<RerankerInfo> {
    if (this.#switched) return { ...(await this.#switched.remote.info()), fallbackReason: this.#switched.event.reason };
    const local = await this.#local?.catch(() => undefined);
    if (local) return local.info();
    // Nothing has loaded yet: the first request decides.
    return { backend: null, dtype: null, state: 'idle', models: this.#remote ? (await this.#remote.info()).models : [] };
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    const local = await this.#local?.catch(() => undefined);
    await Promise.all([local?.dispose(), this.#remote?.dispose()]);
  }

  /** The local reranker, created on first use. A failed creation is retried on the next request. */
  #localReranker(): Promise<Reranker> {
    if (!this.#local) {
      const creation = this.#createLocal();
      this.#local = creation;
      creation.catch(() => {
        if (this.#local === creation) this.#local = undefined;
      });
    }
    return this.#local;
  }

  /** Counts the failure; true when the request should go round again (locally or, now, remotely). */
  #shouldRetryAfter(error: unknown): boolean {
    const remote = this.#remote;
    if (!isRerankError(error) || !remote) return false;
    if (LOAD_FAILURES.has(error.code)) {
      if (!this.#switched) this.#switchTo(remote, error, error.code === 'out_of_memory' ? `this device ran out of memory: ${error.message}` : `the local model could not load (${error.code}): ${error.message}`);
      return true;
    }
    if (error.code !== 'worker_crashed') return false;
    // A request that was running locally when another one switched: the remote answers it.
    if (this.#switched) return true;
    this.#crashesInARow += 1;
    if (this.#crashesInARow >= this.#crashesBeforeSwitch) {
      this.#switchTo(remote, error, `the local worker crashed ${this.#crashesInARow} times in a row: ${error.message}`);
    }
    return true;
  }

  #switchTo(remote: Reranker, error: RerankError, reason: string): void {
    const event: SwitchEvent = { from: 'local', to: 'remote', code: error.code, reason, error };
    this.#switched = { event, remote };
    // Free the device's memory: the local model is never used again.
    const local = this.#local;
    this.#local = undefined;
    void local?.then((reranker) => reranker.dispose()).catch(() => undefined);
    try {
      this.#onSwitch?.(event);
    } catch {
      // A failing listener must not fail the request the remote is about to answer.
    }
  }
}
