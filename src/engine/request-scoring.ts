/**
 * Scoring one request on a loaded model: cache lookups, tokenizing, batches in turn, partial
 * rankings, the time budget, and the response.
 */
import { packBatch, planBatches, planBatchesInOrder, type BatchingOptions } from './batching.js';
import type { CrossEncoder } from './cross-encoder.js';
import { throwIfAborted } from '../core/errors.js';
import { EventLoopSlicer, yieldToEventLoop } from './event-loop.js';
import { pairsByDocument, segmentBoundary, type PairLimits, type RequestPairs } from './pairs.js';
import type { RerankRequest, RerankResponse } from '../core/contract.js';
import { rankPartial, rankResults, sigmoid } from '../core/ranking.js';
import type { RerankOptions } from '../core/reranker.js';
import type { CachedScore } from './score-cache.js';
import type { SerialQueue } from './serial-queue.js';
import { NonFiniteLogits } from './run-failures.js';
import { STANDIN_WARNING } from '../core/standin.js';

/** The score cache as one request sees it: a lookup by document text. */
export interface RequestScoreCache {
  get(text: string): CachedScore | undefined;
  set(text: string, entry: CachedScore): void;
}

/** What scoring needs of a loaded model. */
export interface ScoringModel {
  encoder: CrossEncoder;
  /** One batch at a time on the model; requests take turns batch by batch. */
  queue: SerialQueue;
  limits: PairLimits;
  /** Runtimes left to try: a NaN is only worth a rerun where there is one. */
  remaining: readonly unknown[];
  batching: BatchingOptions;
  /** Unset where the cache is off or a cached score could differ from a fresh one. */
  cache?: RequestScoreCache | undefined;
}

/**
 * Scores one request on a loaded model: the documents the cache doesn't hold, batch by batch, each
 * batch in its turn on the model's queue, telling `onScored` (windows) and `onPartial` after each — and
 * `onScored` once first for the windows the cache answered; with `budget_ms`, in the given order until the time is up. Throws `NonFiniteLogits` where another runtime could answer.
 */
export async function scoreRequest(model: ScoringModel, request: RerankRequest, { signal, onStart, onPartial, onScored }: RerankOptions, startedAt: number): Promise<RerankResponse> {
  throwIfAborted(signal);
  const { encoder, limits, cache } = model;
  const total = request.documents.length;
  const scores = new Float64Array(total).fill(-Infinity);
  const scored: number[] = [];
  const reportPartial = (): void => onPartial?.({ results: rankPartial(scores, scored, request), scored: scored.length, total, done: false });

  const toScore: number[] = [];
  // A cached document's tokens count in `usage`, and its windows in what `onScored` reports, as
  // they would fresh: the answer doesn't change, so neither does its cost.
  let totalTokens = 0;
  let cachedWindows = 0;
  request.documents.forEach((text, index) => {
    const hit = cache?.get(text);
    if (hit === undefined) return toScore.push(index);
    scores[index] = hit.score;
    totalTokens += hit.tokens;
    cachedWindows += hit.windows;
    scored.push(index);
  });
  const cached = scored.length;
  if (cachedWindows > 0) onScored?.(cachedWindows);
  if (cached > 0 && toScore.length > 0) reportPartial();

  // Every window of every document becomes one pair; `owner` maps a pair back to its document.
  const { queryLength, pairs, owner } = await requestPairs(encoder, limits, request, toScore, signal);
  const segmentStarts = encoder.usesTokenTypes ? pairs.map(() => segmentBoundary(queryLength, encoder.template)) : undefined;
  const windowsLeft = new Map<number, number>();
  const documentTokens = new Map<number, number>();
  for (const documentIndex of owner) windowsLeft.set(documentIndex, (windowsLeft.get(documentIndex) ?? 0) + 1);
  const windowsOf = new Map(windowsLeft);

  const lengths = pairs.map((pair) => pair.length);
  const budget = request.budget_ms;
  const batches = budget === undefined ? planBatches(lengths, model.batching) : planBatchesInOrder(lengths, model.batching);
  let started = false;
  let nonFinite = 0;
  for (const batch of batches) {
    // The budget is checked between batches: ORT can't stop inside one.
    if (budget !== undefined && performance.now() - startedAt >= budget) break;
    // A cancel arrives as a message (from the page, into the worker): let it in between batches.
    if (signal) await yieldToEventLoop();
    throwIfAborted(signal);
    const packed = packBatch(pairs, batch, encoder.template.padId, segmentStarts);
    // The queue is taken per batch, not per request: a small request waits for one batch of a
    // big one, not for all of them.
    const logits = await model.queue.run(() => {
      throwIfAborted(signal);
      if (!started) onStart?.();
      started = true;
      return encoder.logits(packed);
    });
    batch.forEach((_, row) => {
      if (!Number.isFinite(logits[row])) nonFinite++;
    });
    // Not a single NaN is handed on while another runtime could answer: rerun the request there.
    if (nonFinite > 0 && model.remaining.length > 0) throw new NonFiniteLogits(encoder, nonFinite, pairs.length);
    const before = scored.length;
    batch.forEach((pairIndex, row) => {
      const logit = logits[row] as number;
      // An infinite logit (fp16 overflow) would pass as a score of 1: keep it non-finite.
      const score = Number.isFinite(logit) ? sigmoid(logit) : Number.NaN;
      const documentIndex = owner[pairIndex] as number;
      // A long document scores as its best window; NaN stays NaN and is refused below.
      scores[documentIndex] = Math.max(scores[documentIndex] as number, score);
      const left = (windowsLeft.get(documentIndex) as number) - 1;
      windowsLeft.set(documentIndex, left);
      const tokens = (documentTokens.get(documentIndex) ?? 0) + (pairs[pairIndex] as number[]).length;
      documentTokens.set(documentIndex, tokens);
      if (left > 0) return;
      scored.push(documentIndex);
      if (Number.isFinite(scores[documentIndex])) cache?.set(request.documents[documentIndex] as string, { score: scores[documentIndex] as number, tokens, windows: windowsOf.get(documentIndex) as number });
    });
    totalTokens += packed.tokens;
    onScored?.(batch.length);
    if (scored.length > before && scored.length < total) reportPartial();
  }

  const meta: NonNullable<RerankResponse['meta']> = { backend: encoder.backend, dtype: encoder.dtype, ...(encoder.standin ? { warnings: [STANDIN_WARNING] } : {}) };
  if (cached > 0) meta.cached = cached;
  let unscored: number[] = [];
  if (budget !== undefined) {
    unscored = toScore.filter((index) => (windowsLeft.get(index) ?? 0) > 0);
    meta.unscored = unscored;
  }
  return {
    results: rankResults(scores, request, unscored),
    model: request.model,
    usage: { total_tokens: totalTokens },
    meta,
  };
}

/**
 * Tokenizes the request into pairs in slices of a few milliseconds, giving the event loop a turn
 * between them: a server keeps answering (`/health`, other requests) while a 5 MB request is
 * tokenized, and a client that goes away stops the work at the next slice.
 */
async function requestPairs(encoder: CrossEncoder, limits: PairLimits, request: RerankRequest, documents: readonly number[], signal: AbortSignal | undefined): Promise<RequestPairs> {
  const slicer = new EventLoopSlicer();
  const options = { template: encoder.template, limits, maxChunks: request.max_chunks_per_doc ?? 1 };
  const texts = documents.map((index) => request.documents[index] as string);
  const steps = pairsByDocument((text, maxTokens) => encoder.encode(text, maxTokens), request.query, texts, request.max_tokens_per_doc === undefined ? options : { ...options, maxTokensPerDocument: request.max_tokens_per_doc });
  for (;;) {
    const step = steps.next();
    // Pairs name their document by its index in the request, not among those left to score.
    if (step.done) return { ...step.value, owner: step.value.owner.map((position) => documents[position] as number) };
    await slicer.pause();
    throwIfAborted(signal);
  }
}
