/**
 * Running one validated rerank for the app: the states that refuse it (loading, failed, draining,
 * a model the key may not use, a full queue), its charge — reserved before, settled after, in the
 * unit the reranker behind reports (request-charge.ts) — and what it reports to the metrics.
 */
import { RerankError, excerpt } from '../core/errors.js';
import type { RerankRequest, RerankResponse } from '../core/contract.js';
import type { RerankOptions, Reranker, RerankerInfo } from '../core/reranker.js';
import type { Caller } from './auth.js';
import type { Dialect } from './dialects/index.js';
import { loadFailedError } from './health.js';
import { STORE_RETRY_AFTER_SECONDS, type KeyLimits } from './key-limits.js';
import type { LoadStatus } from './load-retry.js';
import type { ServerMetrics } from './observer.js';
import { RequestCharge, wasAbandoned } from './request-charge.js';
import { BusyRetryAdvisor } from './retry-after.js';

/** Seconds a client is asked to wait while the model is still loading. */
const LOADING_RETRY_AFTER_SECONDS = 2;

export interface RerankRunnerOptions {
  reranker: Reranker;
  keyLimits: KeyLimits;
  maxPending: number;
  busyRetryAfterSeconds?: number | undefined;
  draining: () => boolean;
  metrics?: ServerMetrics | undefined;
  loadStatus?: (() => LoadStatus) | undefined;
  waitUntil?: ((work: Promise<void>) => void) | undefined;
}

/** One rerank as the app asks for it: who, in which dialect, with the reranker's state at the door. */
export interface RerankCall {
  caller: Caller;
  dialect: Dialect;
  request: RerankRequest;
  info: RerankerInfo;
  /** The client's signal (the connection); `options.signal`, when given, wins. */
  signal: AbortSignal;
  options?: RerankOptions;
}

/** Runs reranks through the one queue; says the windows each was billed. */
export type RerankRunner = (call: RerankCall) => Promise<{ response: RerankResponse; windows: number }>;

export function createRerankRunner(options: RerankRunnerOptions): RerankRunner {
  const { reranker, keyLimits, metrics } = options;
  // Reranks admitted together finish together: average the queue's pace over more than that.
  const advisor = new BusyRetryAdvisor({ window: Math.max(32, 2 * options.maxPending) });
  let pending = 0;

  return async ({ caller, dialect, request, info, signal, options: callOptions = {} }) => {
    if (info.state === 'loading') {
      throw new RerankError('model_loading', 'The model is still loading; retry after the time in Retry-After.', { retryAfter: LOADING_RETRY_AFTER_SECONDS });
    }
    if (info.state === 'failed') throw loadFailedError(info, options.loadStatus?.());
    if (options.draining()) {
      throw new RerankError('shutting_down', 'This server is shutting down; retry after the time in Retry-After (another replica may answer).', { retryAfter: STORE_RETRY_AFTER_SECONDS });
    }
    if (caller.models && !caller.models.includes(request.model)) {
      throw new RerankError('model_not_allowed', `This API key may not use the model "${excerpt(request.model)}".`);
    }
    if (pending >= options.maxPending) {
      const retryAfter = options.busyRetryAfterSeconds ?? advisor.advise(pending);
      throw new RerankError('server_busy', `The server already has ${pending} reranks running or waiting; retry after the time in Retry-After.`, { retryAfter });
    }
    const charge = await RequestCharge.reserve(keyLimits, caller, request, info.backend === 'remote' ? 'upstream' : 'windows');
    pending++;
    advisor.admitted();
    metrics?.queueDepth(pending);
    const queued = performance.now();
    let started: number | undefined;
    const record = (tokens: number, documents: number, windows: number) => {
      const finished = performance.now();
      const began = started ?? queued;
      metrics?.rerank({ key: caller.id, dialect: dialect.name, queueSeconds: (began - queued) / 1000, inferenceSeconds: (finished - began) / 1000, documents, windows, tokens });
    };
    const onStart = () => {
      started = performance.now();
      charge.started();
    };
    try {
      // Validated at the door, so not again behind it. The request's signal fires when the client
      // goes away: the engine stops between batches.
      const rankOptions: RerankOptions = { ...callOptions, signal: callOptions.signal ?? signal, onStart, onScored: (windows) => charge.scored(windows) };
      const response = await (reranker.rerankValidated ? reranker.rerankValidated(request, rankOptions) : reranker.rerank(request, rankOptions));
      const windows = await charge.completed(response.usage.total_tokens, options.waitUntil);
      record(response.usage.total_tokens, request.documents.length, windows);
      return { response, windows };
    } catch (error) {
      const windows = await charge.failed(error);
      // The client went away, but the model ran for it: its time and the windows it was billed show in the metrics.
      if (wasAbandoned(error) && (started !== undefined || windows > 0)) record(0, 0, windows);
      throw error;
    } finally {
      pending--;
      advisor.finished();
      metrics?.queueDepth(pending);
    }
  };
}
