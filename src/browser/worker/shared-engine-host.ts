/**
 * The SharedWorker's side of "one model for all tabs": one engine, many tabs. Every connecting tab
 * gets its own `SharedTab` (exposed over comlink on its own port) with the same methods as a
 * dedicated worker's `WorkerHost`, so the page's `WorkerReranker` drives either unchanged.
 *
 * Calls from different tabs take turns (`FairQueue`); a tab that goes away — closed, crashed, or
 * its reranker disposed — has its calls cancelled and nothing else freed; when the last tab has
 * gone the engine is disposed and the worker ends, which frees the model.
 */
import { SessionCalls } from '../../core/engine-session.js';
import { RerankError } from '../../core/errors.js';
import { guardProgress, type ProgressCallback } from '../../core/progress.js';
import { checkRerankRequestShape, type RerankRequest, type RerankResponse } from '../../core/contract.js';
import type { RerankPartial } from '../../core/reranker.js';
import { startBrowserEngine, type BrowserEngine } from './browser-engine.js';
import type { BrowserEngineConfig, LocalRerankerInfo } from '../shared/public-types.js';
import { FairQueue } from './fair-queue.js';
import { holdLifelineLock, partialsTo } from './worker-host.js';

/** The one engine of a SharedWorker and the tabs that use it. */
export class SharedEngineHost {
  #engine: Promise<BrowserEngine> | undefined;
  readonly #queue = new FairQueue();
  readonly #tabs = new Set<SharedTab>();
  #nextTab = 1;

  /** `onEmpty` runs once the last tab has gone and the engine is disposed (the worker closes itself). */
  constructor(private readonly onEmpty: () => void) {}

  /** Whether a tab has started the engine (it may still be loading). */
  get started(): boolean {
    return this.#engine !== undefined;
  }

  /** Tabs attached now. */
  get tabs(): number {
    return this.#tabs.size;
  }

  /** A tab connected: its own handle onto the shared engine. */
  attach(): SharedTab {
    const tab = new SharedTab(this, `tab-${this.#nextTab++}`);
    this.#tabs.add(tab);
    return tab;
  }

  /** `tab` has gone: cancel its calls; the last tab going frees the engine and ends the worker. */
  async detach(tab: SharedTab): Promise<void> {
    if (!this.#tabs.delete(tab)) return;
    tab.cancelAll(this.#queue);
    if (this.#tabs.size > 0) return;
    const engine = this.#engine;
    this.#engine = undefined;
    await (await engine?.catch(() => undefined))?.dispose();
    this.onEmpty();
  }

  /**
   * The engine, started by the first tab with its config and progress. Later tabs share it (their
   * config names the worker, so it is the same); a start that failed is retried by the next tab.
   */
  engine(config?: BrowserEngineConfig, onProgress?: ProgressCallback): Promise<BrowserEngine> {
    if (this.#engine) return this.#engine;
    if (!config) return Promise.reject(new RerankError('model_loading', 'The shared worker has not been started.'));
    const engine = startBrowserEngine(config, guardProgress(onProgress), { inWorker: true });
    this.#engine = engine;
    engine.catch(() => {
      if (this.#engine === engine) this.#engine = undefined;
    });
    return engine;
  }

  /** Runs `work` when it is `tab`'s turn. */
  queue<T>(tab: SharedTab, work: () => Promise<T>, signal: AbortSignal): Promise<T> {
    return this.#queue.run(tab.id, work, signal);
  }
}

/** One tab's view of the shared engine: the same calls as `WorkerHost`. */
export class SharedTab {
  readonly #calls = new SessionCalls();
  /** A tab that joined a started engine, until it has heard `ready`. */
  #joiner: { onProgress: ProgressCallback; joined: number; model: string | undefined } | undefined;

  constructor(
    private readonly host: SharedEngineHost,
    readonly id: string,
  ) {}

  /** Holds the lifeline lock `name` until the worker dies, so the tab notices a crash. */
  holdLifeline(name: string): Promise<boolean> {
    return holdLifelineLock(name);
  }

  /**
   * Starts the shared engine if no tab has yet (its progress to this tab), else joins it: a tab
   * that joins hears only `ready`, once the model it waits for is loaded (here, or on `load()`).
   */
  async start(config: BrowserEngineConfig, onProgress?: ProgressCallback): Promise<LocalRerankerInfo> {
    const joined = Date.now();
    if (this.host.started && onProgress) this.#joiner = { onProgress, joined, model: config.models[0]?.id };
    return this.#tellReady(await (await this.host.engine(config, onProgress)).info());
  }

  async load(modelId?: string): Promise<LocalRerankerInfo> {
    const engine = await this.host.engine();
    await engine.load(modelId);
    return this.#tellReady(await engine.info());
  }

  /**
   * Reranks a request the tab validated (only its shape is checked here) when it is this tab's
   * turn; `callId` (unique within the tab) names it for `cancel`.
   */
  async rerank(request: RerankRequest, callId: number, onPartial?: (partial: RerankPartial) => unknown): Promise<RerankResponse> {
    const valid = checkRerankRequestShape(request);
    const engine = await this.host.engine();
    return this.#calls.run(callId, (signal) => this.host.queue(this, () => engine.engine.rerankValidated(valid, { signal, ...partialsTo(onPartial) }), signal));
  }

  cancel(callId: number): void {
    this.#calls.cancel(callId);
  }

  async info(): Promise<LocalRerankerInfo> {
    return (await this.host.engine()).info();
  }

  /** The page disposed its reranker: this tab goes, the engine stays for the others. */
  dispose(): Promise<void> {
    return this.host.detach(this);
  }

  /** Tells a joining tab `ready` once the model is loaded; passes `info` through. */
  async #tellReady(info: LocalRerankerInfo): Promise<LocalRerankerInfo> {
    const joiner = this.#joiner;
    if (!joiner?.model || info.state !== 'ready' || !info.backend) return info;
    this.#joiner = undefined;
    const ready = { status: 'ready', model: joiner.model, backend: info.backend, dtype: info.dtype ?? 'unknown', loadMs: Date.now() - joiner.joined } as const;
    // Awaited (the callback's reply comes on its own channel), so the tab hears `ready` before
    // `createReranker` resolves; a callback that fails is the app's and is ignored.
    await (async () => joiner.onProgress(ready))().catch(() => undefined);
    return info;
  }

  /** Aborts this tab's running call and takes its waiting ones out of the queue. */
  cancelAll(queue: FairQueue): void {
    const gone = new RerankError('aborted', 'The tab that made this call has gone.');
    this.#calls.cancelAll(gone);
    queue.drop(this.id, gone);
  }
}
