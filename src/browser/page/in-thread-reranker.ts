/**
 * The `Reranker` that runs the engine in the page's own thread: where there is no `Worker`, or
 * with `inWorker: false`.
 */
import { disposedError, throwIfAborted } from '../../core/errors.js';
import { guardProgress, type ProgressCallback } from '../../core/progress.js';
import type { RerankInput, RerankRequest, RerankResponse } from '../../core/contract.js';
import type { RerankOptions, RerankStreamItem } from '../../core/reranker.js';
import { streamRerank } from '../../core/rerank-stream.js';
import { startBrowserEngine, type BrowserEngine } from '../worker/browser-engine.js';
import type { BrowserEngineConfig, LocalRerankerInfo } from '../shared/public-types.js';
import { abortable } from '../../core/abortable.js';
import { validate, type LocalReranker } from './local-reranker.js';

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

  async rerank(request: RerankInput, options: RerankOptions = {}): Promise<RerankResponse> {
    const valid = validate(this.config, request);
    throwIfAborted(options.signal);
    const engine = await this.#current();
    // Validated above, with the page's limits: the engine does not validate again. It stops at the
    // next batch boundary; the caller hears of the abort at once.
    return abortable(engine.engine.rerankValidated(valid, options), options.signal, () => undefined);
  }

  rerankStream(request: RerankInput, options: RerankOptions = {}): AsyncIterable<RerankStreamItem> {
    return streamRerank((body, withPartials) => this.rerank(body, withPartials), request, options);
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
      const engine = startBrowserEngine(this.config, guardProgress(this.onProgress), { inWorker: false });
      this.#engine = engine;
      engine.catch(() => {
        if (this.#engine === engine) this.#engine = undefined;
      });
    }
    return this.#engine;
  }
}
