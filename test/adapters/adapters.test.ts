/**
 * `webrerank/langchain`, `webrerank/llamaindex` and `webrerank/ai-sdk` with their frameworks' own
 * packages and types, ranking on this machine (the engine on the stand-in model) and through a
 * server (the remote client against a real local server): same scores as `rerank()` itself.
 */
import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { BaseRetriever } from '@langchain/core/retrievers';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import type { BaseNodePostprocessor } from '@llamaindex/core/postprocessor';
import { TextNode, type NodeWithScore } from '@llamaindex/core/schema';
import { rerank, type RerankingModel } from 'ai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { webrerankRerankingModel } from '../../src/adapters/ai-sdk.js';
import { WebrerankDocumentCompressor } from '../../src/adapters/langchain.js';
import { WebrerankNodePostprocessor } from '../../src/adapters/llamaindex.js';
import type { RerankEngine } from '../../src/engine/engine.js';
import { createReranker } from '../../src/node.js';
import { createRemoteReranker } from '../../src/remote/remote-reranker.js';
import type { Reranker } from '../../src/core/reranker.js';
import { createServerApp } from '../../src/server/app.js';
import { HOSTED_EXAMPLE, mixedDocuments } from '../kit/documents.js';
import { serveApp, type ServedApp } from '../support/serve-app.js';
import { scoreOf } from '../support/scores.js';

const modelPath = inject('tinyModelDir');
const { model, query } = HOSTED_EXAMPLE;
const documents = [...HOSTED_EXAMPLE.documents, ...mixedDocuments(6, 5, 30, 3)];

let engine: RerankEngine;
let served: ServedApp;
/** The engine's own score for each document, by index. */
let reference: number[];

beforeAll(async () => {
  engine = await createReranker({ modelPath });
  served = await serveApp(createServerApp({ reranker: engine }));
  const { results } = await engine.rerank({ model, query, documents });
  reference = [];
  for (const result of results) reference[result.index] = scoreOf(result);
});
afterAll(async () => {
  await served?.close();
  await engine?.dispose();
});

/** The best `topN` indexes by reference score, highest first (ties by index). */
function bestIndexes(topN: number): number[] {
  return documents.map((_, index) => index).sort((a, b) => (reference[b] as number) - (reference[a] as number) || a - b).slice(0, topN);
}

const rerankers: [string, () => Reranker][] = [
  ['on this machine', () => engine],
  ['through a server', () => createRemoteReranker({ baseUrl: served.url })],
];

describe.each(rerankers)('webrerank/langchain %s', (_, reranker) => {
  it('is a BaseDocumentCompressor that keeps the best topN, highest first, with metadata.relevanceScore', async () => {
    const compressor = new WebrerankDocumentCompressor({ reranker: reranker(), topN: 3 });
    expect(compressor).toBeInstanceOf(BaseDocumentCompressor);
    const input = documents.map((pageContent, index) => new Document({ pageContent, metadata: { index } }));
    const ranked = await compressor.compressDocuments(input, query);
    expect(ranked.map((document) => document.metadata.index)).toEqual(bestIndexes(3));
    for (const document of ranked) {
      expect(document.metadata.relevanceScore).toBeCloseTo(reference[document.metadata.index as number] as number, 12);
      expect(document.pageContent).toBe(documents[document.metadata.index as number]);
    }
  });

  it('reranks what a ContextualCompressionRetriever retrieves', async () => {
    class FixedRetriever extends BaseRetriever {
      override lc_namespace = ['test'];
      override async _getRelevantDocuments(): Promise<DocumentInterface[]> {
        return documents.map((pageContent, index) => new Document({ pageContent, metadata: { index } }));
      }
    }
    const retriever = new ContextualCompressionRetriever({ baseCompressor: new WebrerankDocumentCompressor({ reranker: reranker(), topN: 2 }), baseRetriever: new FixedRetriever() });
    const retrieved = await retriever.invoke(query);
    expect(retrieved.map((document) => document.metadata.index)).toEqual(bestIndexes(2));
  });
});

describe.each(rerankers)('webrerank/llamaindex %s', (_, reranker) => {
  it('is a node postprocessor that returns the best topN nodes, highest first, with their scores', async () => {
    const postprocessor: BaseNodePostprocessor = new WebrerankNodePostprocessor({ reranker: reranker(), topN: 4 });
    const nodes: NodeWithScore[] = documents.map((text, index) => ({ node: new TextNode({ text, metadata: { index } }), score: 0.5 }));
    const ranked = await postprocessor.postprocessNodes(nodes, query);
    expect(ranked.map(({ node }) => node.metadata.index)).toEqual(bestIndexes(4));
    for (const { node, score } of ranked) expect(score).toBeCloseTo(reference[node.metadata.index as number] as number, 12);
  });

  it('ranks by the text parts of a multi-part query', async () => {
    const postprocessor = new WebrerankNodePostprocessor({ reranker: reranker() });
    const nodes: NodeWithScore[] = documents.map((text, index) => ({ node: new TextNode({ text, metadata: { index } }) }));
    const ranked = await postprocessor.postprocessNodes(nodes, [{ type: 'text', text: query }]);
    expect(ranked.map(({ node }) => node.metadata.index)).toEqual(bestIndexes(documents.length));
  });
});

describe.each(rerankers)('webrerank/ai-sdk %s', (_, reranker) => {
  it("is a reranking model the AI SDK's rerank() takes: topN, scores and documents as rerank() gives them", async () => {
    const modelForSdk: RerankingModel = webrerankRerankingModel({ reranker: reranker() });
    const { ranking, rerankedDocuments } = await rerank({ model: modelForSdk, query, documents, topN: 3 });
    expect(ranking.map((entry) => entry.originalIndex)).toEqual(bestIndexes(3));
    for (const entry of ranking) expect(entry.score).toBeCloseTo(reference[entry.originalIndex] as number, 12);
    expect(rerankedDocuments).toEqual(bestIndexes(3).map((index) => documents[index]));
  });

  it('ranks object documents by their JSON text', async () => {
    const objects = documents.map((text, index) => ({ text, index }));
    const { ranking } = await rerank({ model: webrerankRerankingModel({ reranker: reranker() }), query, documents: objects });
    const { results } = await engine.rerank({ model, query, documents: objects.map((object) => JSON.stringify(object)) });
    expect(ranking.map((entry) => entry.originalIndex)).toEqual(results.map((result) => result.index));
  });
});
