/**
 * From one score per document to the response's `results`: sort, cut to `top_n`, attach texts.
 */
import { RerankError } from './errors.js';
import type { RerankRequest, RerankResult } from './contract.js';

/** A result that carries a score: every result but those a `budget_ms` left unscored. */
export type ScoredResult = RerankResult & { relevance_score: number };

/** Whether `result` was scored; filters the results of a request that had no `budget_ms` to none. */
export function isScored(result: RerankResult): result is ScoredResult {
  return typeof result.relevance_score === 'number';
}

/** sigmoid(logit): the FlagReranker `normalize=True` score, in (0, 1). */
export function sigmoid(logit: number): number {
  // Two branches keep exp() from overflowing for large |logit|.
  if (logit >= 0) return 1 / (1 + Math.exp(-logit));
  const e = Math.exp(logit);
  return e / (1 + e);
}

/**
 * Builds the sorted results for `request` from `scores[i]` (the score of `documents[i]`).
 * Highest score first; equal scores keep the documents' order, so the answer is deterministic.
 * A NaN or infinite score is refused (500), never returned.
 *
 * `unscored` (ascending indices a time budget never reached) follow the scored documents in their
 * given order, without a score; `top_n` counts them too.
 */
export function rankResults(scores: ArrayLike<number>, request: RerankRequest, unscored: readonly number[] = []): RerankResult[] {
  const left = new Set(unscored);
  const order: number[] = [];
  for (let index = 0; index < request.documents.length; index++) {
    if (!left.has(index)) order.push(index);
  }
  return withTexts([...rankIndices(scores, order), ...unscored].slice(0, request.top_n ?? Infinity), scores, left, request);
}

/**
 * The documents `scored` so far, ranked among themselves and cut to `top_n`: a stream's partial
 * results. Texts are left out (the caller has them) to keep each partial small.
 */
export function rankPartial(scores: ArrayLike<number>, scored: readonly number[], request: RerankRequest): RerankResult[] {
  return rankIndices(scores, scored)
    .slice(0, request.top_n ?? Infinity)
    .map((index) => ({ index, relevance_score: scores[index] as number }));
}

/** `indices` sorted by score, highest first, ties by index; refuses a non-finite score. */
function rankIndices(scores: ArrayLike<number>, indices: readonly number[]): number[] {
  for (const index of indices) {
    const score = scores[index];
    if (score === undefined || !Number.isFinite(score)) {
      throw new RerankError('non_finite_score', `The model produced a non-finite score for document ${index}.`);
    }
  }
  return [...indices].sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
}

function withTexts(order: readonly number[], scores: ArrayLike<number>, unscored: ReadonlySet<number>, request: RerankRequest): RerankResult[] {
  return order.map((index) => {
    const result: RerankResult = unscored.has(index) ? { index } : { index, relevance_score: scores[index] as number };
    if (request.return_documents) result.document = { text: request.documents[index] as string };
    return result;
  });
}
