/**
 * From one score per document to the response's `results`: sort, cut to `top_n`, attach texts.
 */
import { RerankError } from './errors.js';
import type { RerankRequest, RerankResult } from './contract.js';

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
 */
export function rankResults(scores: ArrayLike<number>, request: RerankRequest): RerankResult[] {
  const order: number[] = [];
  for (let index = 0; index < request.documents.length; index++) {
    const score = scores[index];
    if (score === undefined || !Number.isFinite(score)) {
      throw new RerankError('non_finite_score', `The model produced a non-finite score for document ${index}.`);
    }
    order.push(index);
  }
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);

  const count = Math.min(request.top_n ?? order.length, order.length);
  return order.slice(0, count).map((index) => {
    const result: RerankResult = { index, relevance_score: scores[index] as number };
    if (request.return_documents) result.document = { text: request.documents[index] as string };
    return result;
  });
}
