/**
 * `webrerank/ai-sdk`: a reranking model for the AI SDK's `rerank()`, ranking with webrerank — on
 * the user's own device (`createReranker()`) or through a server (`createRemoteReranker()`).
 * It works with `ai` 6 and `ai` 7 alike: it implements `RerankingModelV3`, the one interface both
 * take (ai 6 takes v3 only; ai 7 takes v4 and v3, whose reranking interfaces differ in the version
 * field alone). Types from `@ai-sdk/provider` 3 or 4 (an optional peer dependency); nothing of the
 * SDK at runtime.
 *
 * @example
 * import { rerank } from 'ai';
 * import { createReranker } from 'webrerank';
 * import { webrerankRerankingModel } from 'webrerank/ai-sdk';
 *
 * const model = webrerankRerankingModel({ reranker: await createReranker() });
 * const { ranking } = await rerank({ model, query: 'What is machine learning?', documents, topN: 3 });
 */
import type { RerankingModelV3, RerankingModelV3CallOptions } from '@ai-sdk/provider';
import { DEFAULT_MODEL_ID } from '../core/models.js';
import { isScored } from '../core/ranking.js';
import { rankTexts, type AdapterOptions } from './target.js';

export interface WebrerankRerankingModelOptions extends Omit<AdapterOptions, 'topN'> {
  /** The `modelId` the SDK reports (default: `model`, else the default model id). */
  modelId?: string;
}

/**
 * A reranking model for `rerank()` of `ai` 6 and 7, backed by a webrerank reranker. Object
 * documents are ranked as their JSON text, as the SDK's hosted providers send them.
 */
export function webrerankRerankingModel(options: WebrerankRerankingModelOptions): RerankingModelV3 {
  return {
    specificationVersion: 'v3',
    provider: 'webrerank',
    modelId: options.modelId ?? options.model ?? DEFAULT_MODEL_ID,
    async doRerank(call: RerankingModelV3CallOptions) {
      const texts = call.documents.type === 'text' ? call.documents.values : call.documents.values.map((value) => JSON.stringify(value));
      const results = await rankTexts(options, call.query, texts, call.abortSignal, call.topN);
      return { ranking: results.filter(isScored).map(({ index, relevance_score }) => ({ index, relevanceScore: relevance_score })) };
    },
  };
}
