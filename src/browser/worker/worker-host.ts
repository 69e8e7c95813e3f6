/**
 * What the worker exposes over comlink: the browser engine, plus the two things only a boundary
 * needs — cancelling a call by id (an AbortSignal can't cross), and a lifeline lock that tells the
 * page when this worker is gone.
 *
 * No worker globals here beyond `navigator.locks`, so it runs (and is tested) on a MessageChannel.
 */
import { startBrowserEngine, type BrowserEngine } from './browser-engine.js';
import type { BrowserEngineConfig, LocalRerankerInfo } from '../shared/public-types.js';
import { SessionCalls } from '../../core/engine-session.js';
import { RerankError } from '../../core/errors.js';
import { guardProgress, type ProgressCallback } from '../../core/progress.js';
import { checkRerankRequestShape, type RerankRequest, type RerankResponse } from '../../core/contract.js';
import type { RerankOptions, RerankPartial } from '../../core/reranker.js';

interface LockManagerLike {
  request(name: string, callback: () => Promise<unknown>): Promise<unknown>;
}

export class WorkerHost {
  #engine: Promise<BrowserEngine> | undefined;
  readonly #calls = new SessionCalls();

  /**
   * Takes the lifeline lock `name` and holds it until this realm dies; the page waits on the same
   * lock, and is granted it exactly when the worker is gone (crash, out of memory, close()).
   * Resolves once the lock is held.
   */
  holdLifeline(name: string): Promise<boolean> {
    return holdLifelineLock(name);
  }

  /** Probes, plans and (by default) loads the model; progress goes to `onProgress`. */
  async start(config: BrowserEngineConfig, onProgress?: ProgressCallback): Promise<LocalRerankerInfo> {
    if (this.#engine) throw new RerankError('internal_error', 'This worker has already been started.');
    // A remote callback returns a promise; a page callback that throws must not fail the load.
    const progress = guardProgress(onProgress);
    this.#engine = startBrowserEngine(config, progress, { inWorker: true });
    return (await this.#engine).info();
  }

  /** Loads `modelId` (default: the first served) if it isn't loaded yet. */
  async load(modelId?: string): Promise<LocalRerankerInfo> {
    const engine = await this.#started();
    await engine.load(modelId);
    return engine.info();
  }

  /**
   * Reranks a request the page validated (only its shape is checked here); `callId` names the call
   * for `cancel`; `onPartial` (a comlink proxy) hears each batch.
   */
  async rerank(request: RerankRequest, callId: number, onPartial?: (partial: RerankPartial) => unknown): Promise<RerankResponse> {
    const valid = checkRerankRequestShape(request);
    const engine = await this.#started();
    return this.#calls.run(callId, (signal) => engine.engine.rerankValidated(valid, { signal, ...partialsTo(onPartial) }));
  }

  /** Aborts call `callId`; it stops at the next batch boundary. Unknown ids are ignored (already done). */
  cancel(callId: number): void {
    this.#calls.cancel(callId);
  }

  async info(): Promise<LocalRerankerInfo> {
    return (await this.#started()).info();
  }

  async dispose(): Promise<void> {
    this.#calls.cancelAll();
    const engine = this.#engine;
    this.#engine = undefined;
    await (await engine?.catch(() => undefined))?.dispose();
  }

  #started(): Promise<BrowserEngine> {
    if (!this.#engine) throw new RerankError('model_loading', 'The worker has not been started.');
    return this.#engine;
  }
}

/** A page's partial callback (a comlink proxy, or nothing) as the engine's `onPartial` option. */
export function partialsTo(onPartial: ((partial: RerankPartial) => unknown) | undefined): Pick<RerankOptions, 'onPartial'> {
  if (!onPartial) return {};
  // Not awaited: the next batch doesn't wait for the page to take the last partial, and a page
  // that went away must not fail the rerank.
  return { onPartial: (partial) => void Promise.resolve(onPartial(partial)).catch(() => undefined) };
}

/** Takes the lock `name` and holds it until this realm dies; false where there are no Web Locks. */
export async function holdLifelineLock(name: string): Promise<boolean> {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  if (!locks) return false;
  await new Promise<void>((held) => {
    void locks.request(name, () => {
      held();
      return new Promise(() => undefined);
    });
  });
  return true;
}
