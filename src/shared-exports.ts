/**
 * What every entry point (browser, Node) exports besides its own `createReranker`: the contract's
 * types and validators, the model registry, progress events, the errors with their type guards, and
 * the remote client with the local/remote fallback.
 */
export type { Backend, Dtype, RerankInput, RerankMeta, RerankRequest, RerankResponse, RerankResult, RequestLimits, ValidationLimits } from './core/contract.js';
export { DEFAULT_MAX_DOCUMENT_CHARACTERS, DEFAULT_MAX_DOCUMENTS, DEFAULT_MAX_TOTAL_CHARACTERS, MAX_CHUNKS_PER_DOC, validateRerankRequest, validateRerankResponse } from './core/contract.js';
export type { Reranker, RerankerInfo, RerankFinal, RerankOptions, RerankPartial, RerankStreamItem } from './core/reranker.js';
export type { ModelEntry, ModelSource } from './core/models.js';
export { BUILTIN_MODELS, DEFAULT_MODEL_ID, DEFAULT_MODEL_REPO, ModelRegistry } from './core/models.js';
export type { LoadProgress, ProgressCallback } from './core/progress.js';
export type { RuntimeChoice } from './engine/cross-encoder.js';
export type { EngineOptions } from './engine/engine.js';
export { DEFAULT_MAX_LENGTH } from './engine/engine.js';
export type { RerankErrorBody, RerankErrorCode, RerankErrorOptions } from './core/errors.js';
export { AbortError, RerankError, STATUS_OF_CODE, isAbortError, isRerankError } from './core/errors.js';
export { isScored, sigmoid } from './core/ranking.js';
export type { ScoredResult } from './core/ranking.js';

/**
 * A reranker answered by a remote `/v1/rerank` (or TEI) server, and the local/remote fallback —
 * what the browser's `createReranker({ mode, remote })` uses, for building your own policy.
 *
 * @example
 * const remote = createRemoteReranker({ baseUrl: 'https://rerank.example.com', apiKey: perUserKey });
 * const reranker = createFallbackReranker(() => createReranker({ preload: false }), remote);
 */
export { createRemoteReranker, DEFAULT_REMOTE_TIMEOUT_MS } from './remote/remote-reranker.js';
export type { FetchFunction, RemoteProtocol, RemoteRerankerOptions } from './remote/remote-reranker.js';
export { chooseMode, createFallbackReranker } from './remote/fallback-policy.js';
export type { FallbackOptions, RerankMode, SwitchEvent } from './remote/fallback-policy.js';
export { MAX_DOCUMENT_DEPTH, MAX_RANK_FIELDS, type RerankDocument } from './core/documents.js';
