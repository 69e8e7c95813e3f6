/**
 * What every benchmark approach shares, in a browser worker and in Node alike: the result types,
 * the statistics, the transformers.js recipe, and the raw-runtime batches built the way webrerank
 * builds them.
 *
 * No DOM, no Node APIs: this file runs inside Chromium workers and in Node child processes.
 */
import { engineBatching, packBatch, planBatches, type BatchingTuning, type PackedBatch } from '../src/engine/batching.js';
import { DEFAULT_MAX_LENGTH } from '../src/engine/engine.js';
import { buildRequestPairs, pairLimits, readPairTemplate, type PairTokenizer } from '../src/engine/pairs.js';
import type { Dtype, LocalBackend } from '../src/core/contract.js';
import { sigmoid } from '../src/core/ranking.js';

/** Precedes each driver reply on a Node variant's stdout. */
export const REPLY_MARKER = '@@bench-reply@@';

/** Where the orchestrator's dev server serves bench/.models/ to the bench page. */
export const BENCH_MODELS_PREFIX = '/bench-models';

/** transformers.js' file name for each dtype, in a model folder. */
export const ONNX_FILE_BY_DTYPE: Readonly<Record<Dtype, string>> = { fp32: 'onnx/model.onnx', q8: 'onnx/model_quantized.onnx', fp16: 'onnx/model_fp16.onnx' };

/** Where a variant ran. */
export type BenchEnv = 'chromium-wasm' | 'node-wasm' | 'node-cpu';
/**
 * webrerank: the public API. recipe: transformers.js' cross-encoder recipe (one padded batch).
 * raw: the runtime fed webrerank's batches as prebuilt tensors (the ceiling on that runtime).
 * native: onnxruntime-node fed the same batches (reference).
 */
export type Approach = 'webrerank' | 'recipe' | 'raw' | 'native';

/** What a variant is asked to do. */
export interface VariantSpec extends BatchingTuning {
  env: BenchEnv;
  approach: Approach;
  model: string;
  dtype: Dtype;
  workload: string;
  /** Threads for webrerank/raw/native; unset: the approach's default. */
  threads?: number;
  /** webrerank in Chromium: keep the model in its model cache (OPFS), as an app does. Default false. */
  cache?: boolean;
}

/** The `createReranker` options a variant may set beyond model and dtype. */
export type RerankerTuning = BatchingTuning & { threads?: number };

/** The `createReranker` options a variant sets; unset ones are left out, so defaults apply. */
export function rerankerTuning(spec: VariantSpec): RerankerTuning {
  const { threads, batchInvariant, tokenBudget, maxBatchSize } = spec;
  return Object.fromEntries(Object.entries({ threads, batchInvariant, tokenBudget, maxBatchSize }).filter(([, value]) => value !== undefined));
}

/** What a runner reports once its model is loaded. */
export interface LoadInfo {
  /**
   * Real (unpadded) tokens of all pairs, special tokens included; the same for every approach.
   * Absent when the first call tells (webrerank's `usage`).
   */
  tokens?: number;
  /** Runtime threads that run the model (ORT's setting, or the plan's). */
  threads: number | null;
  /** Model runs per rerank call. */
  batches: number | null;
  notes?: Record<string, unknown>;
}

/**
 * One approach, loaded in its realm (a page, a worker, a Node process) and driven call by call
 * by the orchestrator, so approaches can take turns (see bench/run.ts).
 */
export interface Runner {
  load(): Promise<LoadInfo>;
  /** One rerank of the workload: scores (sigmoid) by document index, and tokens when it tells. */
  call(): Promise<CallResult>;
  dispose(): Promise<void>;
}

export interface CallResult {
  scores: number[];
  tokens?: number;
}

/** The realm-side reply to each driver command. */
export type DriverReply = { ok: true; ms: number; value?: unknown } | { ok: false; error: string };

/**
 * Drives a runner by commands (load, call, dispose), timing each inside its own realm. The first
 * call's scores are kept for the agreement checks.
 */
export class Driver {
  #runner: Runner | undefined;
  constructor(private readonly make: (spec: VariantSpec) => Runner) {}

  async handle(command: { op: 'load'; spec: VariantSpec } | { op: 'call'; keepScores?: boolean } | { op: 'dispose' }): Promise<DriverReply> {
    try {
      const started = performance.now();
      if (command.op === 'load') {
        this.#runner = this.make(command.spec);
        const info = await this.#runner.load();
        return { ok: true, ms: performance.now() - started, value: info };
      }
      if (!this.#runner) throw new Error('not loaded');
      if (command.op === 'call') {
        const result = await this.#runner.call();
        const ms = performance.now() - started;
        return { ok: true, ms, value: command.keepScores ? result : undefined };
      }
      await this.#runner.dispose();
      this.#runner = undefined;
      return { ok: true, ms: performance.now() - started };
    } catch (error) {
      return { ok: false, error: errorText(error) };
    }
  }
}

/** One measured variant: what ran, and its figures (or why it failed). */
export interface VariantResult extends Omit<VariantSpec, 'threads' | 'batchInvariant' | 'tokenBudget' | 'maxBatchSize' | 'cache'> {
  pairs: number;
  tokens: number;
  threads: number | null;
  batches: number | null;
  /** Options the variant ran with beyond the defaults (e.g. batchInvariant: false). */
  options: RerankerTuning;
  status: 'ok' | 'failed';
  error?: string;
  load_ms: number | null;
  /** The first rerank call: it grows the runtime's arena, so it is reported apart. */
  first_run_ms: number | null;
  /** Timed calls after the first. */
  runs_ms: number[];
  /** Other processes' share of the CPUs during the first call and each timed call (shared machine). */
  first_run_others: number | null;
  runs_others: number[];
  /** Timed calls during which other processes used under CLEAN_SHARE of the CPUs; p50/p95 are over these. */
  clean_runs: number;
  /** Median of the clean timed calls; p95 by nearest rank (with few calls, their maximum). */
  p50_ms: number | null;
  p95_ms: number | null;
  /** From the median: pairs / p50. */
  pairs_per_s: number | null;
  tokens_per_s: number | null;
  /** Peak resident memory of the process that ran the model (Chromium: its renderer), MiB. */
  peak_rss_mib: number | null;
  /** Scores (sigmoid) by document index from the first call, for the agreement checks. */
  scores?: number[];
  /** Whatever else the variant knows (backend reported, batch sizes). */
  notes?: Record<string, unknown>;
}

export function percentile(values: readonly number[], fraction: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: p95 of few samples is their maximum, never an interpolation below it.
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** The median (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** A timed call is clean when other processes used less than this share of the CPUs during it. */
export const CLEAN_SHARE = 0.1;

/**
 * The figures of a run series: p50/p95 over the clean timed calls (all of them when none was
 * clean), throughput from the median.
 */
export function summarize(runsMs: number[], runsOthers: number[], pairs: number, tokens: number) {
  const clean = runsMs.filter((_, index) => (runsOthers[index] as number) < CLEAN_SHARE);
  const pool = clean.length > 0 ? clean : runsMs;
  const p50 = median(pool);
  return {
    runs_ms: runsMs.map((ms) => round(ms)),
    runs_others: runsOthers.map((share) => round(share, 2)),
    clean_runs: clean.length,
    p50_ms: p50 === null ? null : round(p50),
    p95_ms: pool.length === 0 ? null : round(percentile(pool, 0.95) as number),
    pairs_per_s: p50 === null ? null : round((pairs * 1000) / p50, 3),
    tokens_per_s: p50 === null ? null : round((tokens * 1000) / p50, 1),
  };
}

/** A message for a thrown value: ORT throws numbers (a wasm pointer) and strings too. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`;
  return `thrown ${typeof error}: ${String(error)}`;
}

// ---------------------------------------------------------------------------------------------
// The transformers.js recipe

/** The parts of transformers.js the recipe uses. */
export interface RecipeTokenizer {
  (text: string[], options: { text_pair: string[]; padding: boolean; truncation: boolean }): Record<string, unknown>;
}
export interface RecipeModel {
  (inputs: Record<string, unknown>): Promise<{ logits: { sigmoid(): { data: ArrayLike<number> } } }>;
}

/**
 * The cross-encoder recipe of transformers.js' docs and model cards: every pair in one padded
 * batch, tokenized by the library's pair encoding, sigmoid over the logits.
 */
export async function recipeScores(tokenizer: RecipeTokenizer, model: RecipeModel, query: string, documents: string[]): Promise<number[]> {
  const inputs = tokenizer(new Array<string>(documents.length).fill(query), { text_pair: documents, padding: true, truncation: true });
  const { logits } = await model(inputs);
  return Array.from(logits.sigmoid().data);
}

// ---------------------------------------------------------------------------------------------
// webrerank's batches, prebuilt

export interface PlannedBatches {
  batches: { indices: number[]; packed: PackedBatch }[];
  /** Real tokens of all pairs. */
  tokens: number;
  /** Token length of each pair, by document index. */
  pairLengths: number[];
}

/**
 * The pairs and batches webrerank's engine builds for this request with its defaults (or the
 * given overrides): FlagReranker pairs, length-sorted batches under the token budget.
 */
export function webrerankBatches(
  tokenizer: PairTokenizer,
  query: string,
  documents: readonly string[],
  dtype: Dtype,
  backend: LocalBackend,
  overrides: BatchingTuning = {},
): PlannedBatches {
  const template = readPairTemplate(tokenizer);
  const limits = pairLimits(DEFAULT_MAX_LENGTH);
  // The engine's own pair building, so this baseline can't drift from what webrerank runs.
  const { pairs } = buildRequestPairs((text) => tokenizer.encode(text, { add_special_tokens: false }), query, documents, { template, limits, maxChunks: 1 });
  const pairLengths = pairs.map((pair) => pair.length);
  const plan = planBatches(pairLengths, engineBatching(dtype, backend, overrides));
  return {
    batches: plan.map((indices) => ({ indices, packed: packBatch(pairs, indices, template.padId) })),
    tokens: pairLengths.reduce((sum, length) => sum + length, 0),
    pairLengths,
  };
}

/** Runs prebuilt batches through `run` (one model call per batch) and returns sigmoid scores by document. */
export async function runBatches(planned: PlannedBatches, run: (batchIndex: number) => Promise<ArrayLike<number>>): Promise<number[]> {
  const scores = new Array<number>(planned.pairLengths.length).fill(Number.NaN);
  for (let batchIndex = 0; batchIndex < planned.batches.length; batchIndex++) {
    const logits = await run(batchIndex);
    (planned.batches[batchIndex] as PlannedBatches['batches'][number]).indices.forEach((documentIndex, row) => {
      scores[documentIndex] = sigmoid(logits[row] as number);
    });
  }
  return scores;
}

/** Scores by document index from a rerank response's results. */
export function scoresByIndex(results: readonly { index: number; relevance_score?: number }[], count: number): number[] {
  const scores = new Array<number>(count).fill(Number.NaN);
  // An unscored document (a time budget ran out) stays NaN: missing, as the comparisons expect.
  for (const item of results) scores[item.index] = item.relevance_score ?? Number.NaN;
  return scores;
}

/** Largest |a - b| over two score lists (NaN if their lengths differ or a score is missing). */
export function maxAbsDiff(a: readonly number[] | undefined, b: readonly number[] | undefined): number {
  if (!a || !b || a.length !== b.length) return Number.NaN;
  let worst = 0;
  for (let index = 0; index < a.length; index++) worst = Math.max(worst, Math.abs((a[index] as number) - (b[index] as number)));
  return worst;
}

/** logit(score), to state score differences in the model's own units. */
export function logit(score: number): number {
  return Math.log(score / (1 - score));
}
