/**
 * What the two rerankers on this device — in a Web Worker (`WorkerReranker`) and in the page's own
 * thread (`InThreadReranker`) — share: their interface, and validating a request on the page.
 */
import { requestLimits, validateRerankRequest, type RerankInput, type RerankRequest } from '../../core/contract.js';
import type { BrowserEngineConfig, BrowserReranker, LocalRerankerInfo } from '../shared/public-types.js';

/** A reranker on this device (in a worker or in the page). */
export interface LocalReranker extends BrowserReranker {
  info(): Promise<LocalRerankerInfo>;
  /** Probes and plans (starting the worker) if not done yet; resolves with what was found. */
  started(): Promise<LocalRerankerInfo>;
  /** Loads `modelId` (default: the first served) ahead of the first request. */
  load(modelId?: string): Promise<LocalRerankerInfo>;
}

/** Validates on the page, so a bad request fails at once (and nothing uncloneable is posted). */
export function validate(config: BrowserEngineConfig, request: RerankInput): RerankRequest {
  return validateRerankRequest(request, { models: config.models.map((entry) => entry.id), ...requestLimits(config.engine) });
}

/**
 * `local`, whose `info()` — and `started()` and `load()`, which return one — passes through
 * `amend` (to add what the page knows and the worker doesn't); the other calls are `local`'s.
 */
export function withInfo(local: LocalReranker, amend: (info: LocalRerankerInfo) => Promise<LocalRerankerInfo>): LocalReranker {
  return Object.assign(Object.create(local) as LocalReranker, {
    info: async () => amend(await local.info()),
    started: async () => amend(await local.started()),
    load: async (modelId?: string) => amend(await local.load(modelId)),
    rerank: local.rerank.bind(local),
    rerankStream: local.rerankStream.bind(local),
    dispose: local.dispose.bind(local),
  });
}
