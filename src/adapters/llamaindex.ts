/**
 * `webrerank/llamaindex`: a LlamaIndex.TS node postprocessor that reranks with webrerank — on the
 * user's own device (`createReranker()`) or through a server (`createRemoteReranker()`).
 * Needs `@llamaindex/core` (an optional peer dependency).
 *
 * @example
 * import { createReranker } from 'webrerank';
 * import { WebrerankNodePostprocessor } from 'webrerank/llamaindex';
 *
 * const reranker = new WebrerankNodePostprocessor({ reranker: await createReranker(), topN: 3 });
 * const queryEngine = index.asQueryEngine({ nodePostprocessors: [reranker] });
 */
import type { MessageContent } from '@llamaindex/core/llms';
import type { BaseNodePostprocessor } from '@llamaindex/core/postprocessor';
import { MetadataMode, type NodeWithScore } from '@llamaindex/core/schema';
import { isScored } from '../core/ranking.js';
import { rankTexts, type AdapterOptions } from './target.js';

export type WebrerankNodePostprocessorOptions = AdapterOptions;

/**
 * Reranks nodes by their content (without metadata) against the query; returns the best `topN`
 * (default all), highest first, each with `score` set to webrerank's relevance score.
 */
export class WebrerankNodePostprocessor implements BaseNodePostprocessor {
  readonly #options: AdapterOptions;

  constructor(options: WebrerankNodePostprocessorOptions) {
    this.#options = options;
  }

  async postprocessNodes(nodes: NodeWithScore[], query?: MessageContent): Promise<NodeWithScore[]> {
    if (query === undefined) throw new TypeError('WebrerankNodePostprocessor needs the query to rank against.');
    const texts = nodes.map(({ node }) => node.getContent(MetadataMode.NONE));
    const results = await rankTexts(this.#options, queryText(query), texts);
    return results.filter(isScored).map(({ index, relevance_score }) => ({ ...(nodes[index] as NodeWithScore), score: relevance_score }));
  }
}

/** The text of a query: a string as it is, the text parts of a multi-part message joined by lines. */
function queryText(query: MessageContent): string {
  if (typeof query === 'string') return query;
  return query.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
}
