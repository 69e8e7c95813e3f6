/**
 * What a `RerankEngine` is built from: its models, the backends to try, and the limits and knobs
 * of tokenizing, batching and loading.
 */
import type { BatchingTuning } from './batching.js';
import type { CrossEncoderLoader, LoadOptions, RuntimeChoice } from './cross-encoder.js';
import type { ModelRegistry } from '../core/models.js';
import type { ProgressCallback } from '../core/progress.js';
import type { RequestLimits } from '../core/request-limits.js';

/** FlagReranker's default pair length. The model itself takes up to 8192 tokens. */
export const DEFAULT_MAX_LENGTH = 512;

/** The request limits (`RequestLimits`) are the ones `rerank()` validates with. */
export interface EngineOptions extends BatchingTuning, RequestLimits {
  /** The models this engine serves; defaults to the built-in registry (bge-reranker-v2-m3). */
  registry?: ModelRegistry;
  /** Backends to try, in order, when loading a model; the first that loads is used. */
  runtimes: RuntimeChoice[];
  /** How models are loaded; transformers.js unless a test or benchmark swaps it. */
  loader?: CrossEncoderLoader;
  loadOptions?: Omit<LoadOptions, 'onProgress'>;
  /** Longest pair, special tokens included (default 512, at most the model's limit). */
  maxLength?: number;
  /** Longest query in tokens (default ¾ of maxLength, as FlagReranker). */
  maxQueryTokens?: number;
  onProgress?: ProgressCallback;
  /**
   * Bytes the score cache may hold (default 4 MiB); 0 turns it off. A repeated (query, document)
   * pair then reuses its score, identical to a fresh one; emptied whenever a model loads.
   */
  scoreCacheBytes?: number;
  /**
   * A load that makes no progress (no bytes, the runtime not finishing its start) for this long
   * rejects with 503 `model_load_stalled` naming what it waited for. Default 60 s; 0 turns it off.
   */
  loadStallTimeoutMs?: number;
}
