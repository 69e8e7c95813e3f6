/**
 * The rerank engine: request in, ranked results out. Tokenize, build pairs, batch, run, score.
 *
 * It knows nothing of workers, the DOM or Node: the model comes from a loader, so the same engine
 * runs in a Web Worker, in a page, in Node and behind the server, and tests can drive it directly.
 */
import { engineBatching, scoresAreBatchInvariant, type BatchingOptions } from './batching.js';
import { loadCrossEncoder, type CrossEncoder, type CrossEncoderLoader, type LoadOptions, type RuntimeChoice } from './cross-encoder.js';
import { RerankError, disposedError, messageOf, throwIfAborted, toRerankError } from '../core/errors.js';
import { ModelRegistry, type ModelEntry } from '../core/models.js';
import { pairLimits, type PairLimits } from './pairs.js';
import { isOutOfMemory } from './out-of-memory.js';
import { ProgressTracker, type ProgressCallback } from '../core/progress.js';
import { DEFAULT_LOAD_STALL_TIMEOUT_MS, StallWatchdog } from '../core/stall-watchdog.js';
import { LoadWaits } from './load-waits.js';
import { requestLimits, validateRerankRequest, type RerankInput, type RerankRequest, type RerankResponse } from '../core/contract.js';
import type { RerankOptions, Reranker, RerankerInfo, RerankStreamItem } from '../core/reranker.js';
import { streamRerank } from '../core/rerank-stream.js';
import { ScoreCache, pairKey, scoreContext } from './score-cache.js';
import { SerialQueue } from './serial-queue.js';
import { NonFiniteLogits, fallbackWarning, loadFailureCode, withWarnings } from './run-failures.js';
import { scoreRequest, type RequestScoreCache, type ScoringModel } from './request-scoring.js';

import { DEFAULT_MAX_LENGTH, type EngineOptions } from './engine-options.js';

export { DEFAULT_MAX_LENGTH, type EngineOptions };

interface LoadedModel extends Omit<ScoringModel, 'batching' | 'cache'> {
  /** Runtimes not yet tried, for a fallback after a failure at inference time. */
  remaining: RuntimeChoice[];
}

type Fallback = NonNullable<RerankerInfo['fallbacks']>[number];

/**
 * Reranks in the current thread. Loads each model on first use (or on `load()`), one inference at a
 * time per model.
 *
 * @example
 * const engine = new RerankEngine({ runtimes: [{ device: 'cpu', dtype: 'q8' }] });
 * const { results } = await engine.rerank({ model: 'BAAI/bge-reranker-v2-m3', query, documents });
 */
export class RerankEngine implements Reranker {
  readonly registry: ModelRegistry;
  readonly #options: EngineOptions;
  readonly #loader: CrossEncoderLoader;
  readonly #models = new Map<string, Promise<LoadedModel>>();
  readonly #fallbacks: Fallback[] = [];
  // What each failed model was replaced by, so requests queued on it follow instead of failing again.
  readonly #replacements = new WeakMap<LoadedModel, Promise<LoadedModel>>();
  #state: RerankerInfo['state'] = 'idle';
  #lastError: string | undefined;
  #current: CrossEncoder | undefined;
  #disposed = false;
  readonly #scoreCache: ScoreCache;

  constructor(options: EngineOptions) {
    if (options.runtimes.length === 0) throw new TypeError('RerankEngine needs at least one runtime to try.');
    this.#options = options;
    this.registry = options.registry ?? new ModelRegistry();
    this.#loader = options.loader ?? loadCrossEncoder;
    this.#scoreCache = new ScoreCache(options.scoreCacheBytes);
  }

  /** The score cache: its size, and `clear()` to empty it by hand. */
  get scoreCache(): ScoreCache {
    return this.#scoreCache;
  }

  /** Loads a model ahead of the first request (by default the first one served). */
  async load(modelId: string = this.registry.ids()[0] ?? ''): Promise<void> {
    await this.#model(this.registry.get(modelId));
  }

  /** Validates `body` against this engine's limits and models, then ranks it. */
  async rerank(body: RerankInput, options: RerankOptions = {}): Promise<RerankResponse> {
    const startedAt = performance.now();
    this.#assertUsable();
    const request = validateRerankRequest(body, { models: this.registry.ids(), ...requestLimits(this.#options) });
    return this.#rank(request, options, startedAt);
  }

  /**
   * Ranks a request its caller has already validated, with the limits the outermost boundary was
   * given (a host behind a thread or worker boundary, which checks the shape). The limits are not
   * checked again: a second copy of them here could only refuse what the first accepted.
   */
  async rerankValidated(request: RerankRequest, options: RerankOptions = {}): Promise<RerankResponse> {
    const startedAt = performance.now();
    this.#assertUsable();
    return this.#rank(request, options, startedAt);
  }

  async #rank(request: RerankRequest, options: RerankOptions, startedAt: number): Promise<RerankResponse> {
    throwIfAborted(options.signal);
    const entry = this.registry.get(request.model);
    let model = await this.#model(entry);
    const warnings: string[] = [];
    // Each fallback leaves fewer runtimes to try, so this ends: in an answer, or in the last error.
    for (;;) {
      try {
        return withWarnings(await this.#score(model, request, options, startedAt), warnings);
      } catch (error) {
        if (!this.#canFallBack(error, model)) throw toRerankError(error);
        const failed = model.encoder;
        model = await this.#fallBack(entry, model, error);
        warnings.push(fallbackWarning(failed, model.encoder, error));
      }
    }
  }

  rerankStream(request: RerankInput, options: RerankOptions = {}): AsyncIterable<RerankStreamItem> {
    return streamRerank((body, withPartials) => this.rerank(body, withPartials), request, options);
  }

  async info(): Promise<RerankerInfo> {
    const info: RerankerInfo = {
      backend: this.#current?.backend ?? null,
      dtype: this.#current?.dtype ?? null,
      state: this.#state,
      models: this.registry.ids(),
    };
    const threads = this.#options.runtimes.find((runtime) => runtime.device === this.#current?.backend)?.threads;
    if (threads !== undefined) info.threads = threads;
    if (this.#current?.standin) info.standin = true;
    if (this.#fallbacks.length > 0) info.fallbacks = [...this.#fallbacks];
    if (this.#lastError !== undefined) info.error = this.#lastError;
    return info;
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    const loads = [...this.#models.values()];
    this.#models.clear();
    await Promise.all(loads.map((load) => load.then((model) => model.encoder.dispose(), () => undefined)));
  }

  #assertUsable(): void {
    if (this.#disposed) throw disposedError();
  }

  /** The loaded model for `entry`, loading it once however many requests wait for it. */
  #model(entry: ModelEntry): Promise<LoadedModel> {
    this.#assertUsable();
    let load = this.#models.get(entry.id);
    if (!load) {
      load = this.#loadFirstWorking(entry, this.#options.runtimes);
      this.#models.set(entry.id, load);
      // A failed load is not cached: the next request tries again (the network may be back).
      load.catch(() => {
        if (this.#models.get(entry.id) === load) this.#models.delete(entry.id);
      });
    }
    return load;
  }

  async #loadFirstWorking(entry: ModelEntry, runtimes: RuntimeChoice[]): Promise<LoadedModel> {
    this.#state = 'loading';
    const reasons: string[] = [];
    let lastFailure: unknown;
    for (let position = 0; position < runtimes.length; position++) {
      const runtime = runtimes[position] as RuntimeChoice;
      const started = performance.now();
      const tracker = new ProgressTracker(entry.id, this.#options.onProgress ?? (() => undefined));
      const waits = new LoadWaits(describeSource(entry), runtime);
      const watchdog = new StallWatchdog(`Loading model "${entry.id}" on ${runtime.device}`, this.#options.loadStallTimeoutMs ?? DEFAULT_LOAD_STALL_TIMEOUT_MS, waits.first());
      const onProgress: LoadOptions['onProgress'] = (event) => {
        watchdog.progress(waits.see(event));
        tracker.handle(event);
      };
      try {
        const givenUp = new AbortController();
        const encoder = await watchdog.guard(this.#loader(entry, runtime, { ...this.#options.loadOptions, onProgress, signal: givenUp.signal }), () => givenUp.abort());
        const limits = this.#limitsFor(encoder);
        this.#state = 'ready';
        this.#lastError = undefined;
        this.#current = encoder;
        this.#scoreCache.clear();
        tracker.ready(encoder.backend, encoder.dtype, performance.now() - started);
        return { encoder, remaining: runtimes.slice(position + 1), queue: new SerialQueue(), limits };
      } catch (error) {
        const reason = messageOf(error);
        // A stall is not this backend's fault (the network, a runtime that can't start threads):
        // waiting another minute on the next backend would not help.
        if (error instanceof RerankError && error.code === 'model_load_stalled') {
          this.#state = 'failed';
          this.#lastError = reason;
          throw error;
        }
        lastFailure = error;
        reasons.push(`${runtime.device}/${runtime.dtype}: ${reason}`);
        this.#fallbacks.push({ backend: runtime.device, dtype: runtime.dtype, reason });
        const rest = runtimes.slice(position + 1);
        if (rest[0]?.afterRunFailureOnly) throw this.#refuseExplicit(entry, runtime, rest, reason, error);
      }
    }
    this.#state = 'failed';
    this.#lastError = `Model "${entry.id}" failed to load. ${reasons.join(' | ')}`;
    // Out of memory on the last backend tried is what stopped it: say so, with its own code.
    throw new RerankError(loadFailureCode(lastFailure), this.#lastError, { cause: lastFailure });
  }

  /** An explicit choice that can't load is refused, naming what would run instead. */
  #refuseExplicit(entry: ModelEntry, runtime: RuntimeChoice, rest: RuntimeChoice[], reason: string, cause: unknown): RerankError {
    this.#state = 'failed';
    const others = rest.map((other) => `${other.device}/${other.dtype}`).join(' or ');
    this.#lastError = `Model "${entry.id}" can't run on ${runtime.device}/${runtime.dtype}, which was asked for: ${reason} Ask for ${others} to run it here.`;
    return new RerankError('model_unavailable', this.#lastError, { cause });
  }

  #limitsFor(encoder: CrossEncoder): PairLimits {
    const maxLength = this.#options.maxLength ?? Math.min(DEFAULT_MAX_LENGTH, encoder.maxPositions);
    if (!Number.isInteger(maxLength) || maxLength < 16 || maxLength > encoder.maxPositions) {
      throw new RerankError('model_load_failed', `maxLength ${maxLength} is outside what the model takes (16..${encoder.maxPositions} tokens).`);
    }
    const limits = pairLimits(maxLength);
    if (this.#options.maxQueryTokens !== undefined) limits.maxQueryTokens = Math.min(this.#options.maxQueryTokens, limits.maxQueryTokens);
    return limits;
  }

  #batching(encoder: CrossEncoder): BatchingOptions {
    return engineBatching(encoder.dtype, encoder.backend, this.#options);
  }

  #score(model: LoadedModel, request: RerankRequest, options: RerankOptions, startedAt: number): Promise<RerankResponse> {
    return scoreRequest({ ...model, batching: this.#batching(model.encoder), cache: this.#cacheFor(model, request) }, request, options, startedAt);
  }

  /**
   * The score cache as seen by one request (a lookup by document text), or undefined where it is
   * off or a cached score could differ from a fresh one (q8 batched with others).
   */
  #cacheFor({ encoder, limits }: LoadedModel, request: RerankRequest): RequestScoreCache | undefined {
    if (!this.#scoreCache.enabled || !scoresAreBatchInvariant(encoder.dtype, this.#options)) return undefined;
    const entry = this.registry.get(request.model);
    const context = scoreContext({
      model: `${entry.id} ${JSON.stringify(entry.source)}`,
      dtype: encoder.dtype,
      backend: encoder.backend,
      maxLength: limits.maxLength,
      maxQueryTokens: limits.maxQueryTokens,
      maxChunks: request.max_chunks_per_doc ?? 1,
      maxTokensPerDocument: request.max_tokens_per_doc,
    });
    const cache = this.#scoreCache;
    return {
      get: (text) => cache.get(pairKey(context, request.query, text)),
      set: (text, score) => cache.set(pairKey(context, request.query, text), score),
    };
  }

  /**
   * Whether a failed run moves to the next runtime: non-finite output on any backend, and any
   * unexpected error on WebGPU (device lost, driver reset, a shader the adapter can't compile).
   */
  #canFallBack(error: unknown, model: LoadedModel): boolean {
    if (this.#replacements.has(model)) return true;
    if (model.remaining.length === 0) return false;
    return error instanceof NonFiniteLogits || (model.encoder.backend === 'webgpu' && !(error instanceof RerankError));
  }

  /** The model that replaces `failed` for good (later requests go straight to it), loaded once. */
  #fallBack(entry: ModelEntry, failed: LoadedModel, error: unknown): Promise<LoadedModel> {
    let replacement = this.#replacements.get(failed);
    if (replacement) return replacement;
    const why = error instanceof NonFiniteLogits ? error.message : `inference failed: ${messageOf(error)}`;
    this.#fallbacks.push({ backend: failed.encoder.backend, dtype: failed.encoder.dtype, reason: why });
    replacement = failed.queue
      .run(() => failed.encoder.dispose())
      .catch(() => undefined)
      .then(() => this.#loadFirstWorking(entry, failed.remaining));
    this.#replacements.set(failed, replacement);
    this.#models.set(entry.id, replacement);
    return replacement;
  }
}

/** Where an entry's files come from, for messages. */
function describeSource(entry: ModelEntry): string {
  const { source } = entry;
  return 'hub' in source ? `the hub (${source.hub})` : 'url' in source ? source.url : source.path;
}
