/** Test helpers for results, which carry a score unless a time budget left them unscored. */
import type { RerankResult } from '../../src/core/contract.js';
import type { Reranker } from '../../src/core/reranker.js';
import { streamRerank } from '../../src/core/rerank-stream.js';

/** The score of a result that must have one; a test fails loudly on an unscored result. */
export function scoreOf(result: Pick<RerankResult, 'index' | 'relevance_score'>): number {
  if (result.relevance_score === undefined) throw new Error(`document ${result.index} has no score`);
  return result.relevance_score;
}

/** A test's stand-in reranker, with `rerankStream` built on its `rerank` as every runtime's is. */
export function fakeReranker(parts: Omit<Reranker, 'rerankStream'>): Reranker {
  return { ...parts, rerankStream: (request, options) => streamRerank((body, withPartials) => parts.rerank(body, withPartials), request, options) };
}
