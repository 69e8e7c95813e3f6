/**
 * `webrerank/langchain`: a LangChain.js document compressor that reranks with webrerank — on the
 * user's own device (`createReranker()`) or through a server (`createRemoteReranker()`).
 * Needs `@langchain/core` (an optional peer dependency).
 *
 * @example
 * import { createReranker } from 'webrerank';
 * import { WebrerankDocumentCompressor } from 'webrerank/langchain';
 * import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
 *
 * const baseCompressor = new WebrerankDocumentCompressor({ reranker: await createReranker(), topN: 3 });
 * const retriever = new ContextualCompressionRetriever({ baseCompressor, baseRetriever });
 */
import type { Callbacks } from '@langchain/core/callbacks/manager';
import type { DocumentInterface } from '@langchain/core/documents';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import { isScored } from '../core/ranking.js';
import { rankTexts, type AdapterOptions } from './target.js';

export type WebrerankDocumentCompressorOptions = AdapterOptions;

/**
 * Reranks documents by `pageContent` against the query; returns the best `topN` (default all),
 * highest first, each a copy with `metadata.relevanceScore` (as LangChain's `CohereRerank` writes).
 */
export class WebrerankDocumentCompressor extends BaseDocumentCompressor {
  readonly #options: AdapterOptions;

  constructor(options: WebrerankDocumentCompressorOptions) {
    super();
    this.#options = options;
  }

  async compressDocuments(documents: DocumentInterface[], query: string, _callbacks?: Callbacks): Promise<DocumentInterface[]> {
    const results = await rankTexts(this.#options, query, documents.map((document) => document.pageContent));
    return results.filter(isScored).map(({ index, relevance_score }) => {
      const document = documents[index] as DocumentInterface;
      return { ...document, metadata: { ...document.metadata, relevanceScore: relevance_score } };
    });
  }
}
