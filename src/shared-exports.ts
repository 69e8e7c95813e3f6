/**
 * What every entry point (browser, Node) exports besides its own `createReranker`: the contract's
 * types and validators, the model registry, progress events and the errors with their type guards.
 */
export type { Backend, Dtype, RerankRequest, RerankResponse, RerankResult, ValidationLimits } from './protocol.js';
export { DEFAULT_MAX_DOCUMENTS, validateRerankRequest, validateRerankResponse } from './protocol.js';
export type { Reranker, RerankerInfo, RerankOptions } from './reranker.js';
export type { ModelEntry, ModelSource } from './models.js';
export { BUILTIN_MODELS, DEFAULT_MODEL_ID, DEFAULT_MODEL_REPO, ModelRegistry } from './models.js';
export type { LoadProgress, ProgressCallback } from './progress.js';
export type { RuntimeChoice } from './cross-encoder.js';
export type { EngineOptions } from './engine.js';
export { DEFAULT_MAX_LENGTH } from './engine.js';
export type { RerankErrorBody, RerankErrorCode, RerankErrorOptions } from './errors.js';
export { AbortError, RerankError, STATUS_OF_CODE, isAbortError, isRerankError } from './errors.js';
export { sigmoid } from './ranking.js';
