/**
 * Packing pairs into batches.
 *
 * One padded batch of everything (the transformers.js recipe) pads every short document to the
 * longest and, in WASM, runs out of memory at ~100 × 500 tokens. Sorting by length and filling
 * batches up to a padded-token budget wastes almost nothing on padding.
 */
import type { LocalBackend } from '../core/contract.js';

export interface BatchingOptions {
  /** Most padded tokens (rows × longest row) in one batch. */
  tokenBudget: number;
  /** Most rows in one batch; 1 runs every pair alone. */
  maxBatchSize: number;
}

/**
 * Default padded-token budget per backend. On CPUs small batches win: a 512-token batch's
 * activations stay in cache, and fewer rows share one padded width; on WASM and natively 512 beat
 * 2048 and larger budgets, with identical fp32 scores (the budget sweep: docs/performance.md,
 * figures in bench/results/). A GPU wants wide batches to fill its cores, so WebGPU keeps 2048.
 */
export const DEFAULT_TOKEN_BUDGET: Readonly<Record<LocalBackend, number>> = { wasm: 512, cpu: 512, webgpu: 2048 };
export const DEFAULT_MAX_BATCH_SIZE = 64;

/** The engine's batching knobs, each optional; part of `EngineOptions`. */
export interface BatchingTuning {
  /** Most padded tokens per batch (default 512 on WASM and native CPU, 2048 on WebGPU). */
  tokenBudget?: number;
  /** Most pairs per batch (default 64). */
  maxBatchSize?: number;
  /**
   * Keep every document's score independent of the rest of the request (default true).
   * fp32/fp16 graphs already are; a dynamically quantized (q8) graph computes one activation scale
   * over the whole batch, so with this on, q8 pairs run one at a time.
   */
  batchInvariant?: boolean;
}

/**
 * The batching the engine uses for a model of `dtype` on `backend`. A dynamically quantized (q8)
 * graph computes one activation scale over the whole batch, so with `batchInvariant` (the default)
 * its pairs run one at a time; fp32/fp16 scores don't depend on batch-mates and are batched.
 */
export function engineBatching(dtype: string, backend: LocalBackend, tuning: BatchingTuning = {}): BatchingOptions {
  const invariant = tuning.batchInvariant ?? true;
  return {
    tokenBudget: tuning.tokenBudget ?? DEFAULT_TOKEN_BUDGET[backend],
    maxBatchSize: invariant && dtype === 'q8' ? 1 : (tuning.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE),
  };
}

/**
 * Groups pair indices into batches: longest first, each batch as many pairs as fit the budget.
 * A pair longer than the budget runs alone. Deterministic for equal lengths (by index).
 */
export function planBatches(lengths: readonly number[], options: BatchingOptions): number[][] {
  const order = lengths.map((_, index) => index);
  order.sort((a, b) => (lengths[b] as number) - (lengths[a] as number) || a - b);

  const batches: number[][] = [];
  let current: number[] = [];
  let currentWidth = 0;
  for (const index of order) {
    const width = currentWidth || (lengths[index] as number);
    const fits = current.length < options.maxBatchSize && (current.length + 1) * width <= options.tokenBudget;
    if (current.length > 0 && !fits) {
      batches.push(current);
      current = [];
      currentWidth = 0;
    }
    if (current.length === 0) currentWidth = lengths[index] as number;
    current.push(index);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Input tensors' data for one batch, padded on the right to its longest row. */
export interface PackedBatch {
  rows: number;
  width: number;
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  /** Present only when the model takes segment ids. */
  tokenTypeIds?: BigInt64Array;
  /** Real (unpadded) tokens in the batch. */
  tokens: number;
}

/**
 * Builds the int64 arrays for `indices` of `pairs`. `segmentStarts[i]` (optional) is where pair i's
 * second segment begins, for models with token_type_ids.
 */
export function packBatch(
  pairs: readonly (readonly number[])[],
  indices: readonly number[],
  padId: number,
  segmentStarts?: readonly number[],
): PackedBatch {
  let width = 0;
  for (const index of indices) width = Math.max(width, (pairs[index] as readonly number[]).length);
  const rows = indices.length;
  const inputIds = new BigInt64Array(rows * width).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(rows * width);
  const tokenTypeIds = segmentStarts ? new BigInt64Array(rows * width) : undefined;
  let tokens = 0;
  indices.forEach((index, row) => {
    const pair = pairs[index] as readonly number[];
    const offset = row * width;
    for (let column = 0; column < pair.length; column++) {
      inputIds[offset + column] = BigInt(pair[column] as number);
      attentionMask[offset + column] = 1n;
    }
    if (tokenTypeIds && segmentStarts) tokenTypeIds.fill(1n, offset + (segmentStarts[index] as number), offset + pair.length);
    tokens += pair.length;
  });
  const batch: PackedBatch = { rows, width, inputIds, attentionMask, tokens };
  if (tokenTypeIds) batch.tokenTypeIds = tokenTypeIds;
  return batch;
}
