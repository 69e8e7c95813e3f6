/**
 * What the framework adapters share: any `Reranker` (local engine, worker client or remote client)
 * asked for one model, with `topN`. Framework-free, so each adapter stays a thin translation.
 */
import type { RerankResult } from '../core/contract.js';
import type { Reranker } from '../core/reranker.js';

export interface AdapterOptions {
  /** What ranks: `createReranker()` (on this device) or `createRemoteReranker()` (a server). */
  reranker: Reranker;
  /** The model id to ask for (default: the reranker's first served model). */
  model?: string;
  /** Keep only the best `topN` (default: all, sorted). */
  topN?: number;
}

/** Ranks `texts` against `query`; results sorted, highest score first, cut to `topN`. */
export async function rankTexts(options: AdapterOptions, query: string, texts: string[], signal?: AbortSignal, topN = options.topN): Promise<RerankResult[]> {
  if (texts.length === 0) return [];
  const model = options.model ?? (await options.reranker.info()).models[0];
  if (model === undefined) throw new TypeError('The reranker serves no model; pass one as `model`.');
  const response = await options.reranker.rerank(
    { model, query, documents: texts, ...(topN !== undefined ? { top_n: topN } : {}) },
    signal ? { signal } : {},
  );
  return response.results;
}
