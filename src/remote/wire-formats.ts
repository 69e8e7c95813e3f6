/**
 * The wire formats the remote client speaks: the hosted `/v1/rerank` API (and `webrerank serve`),
 * and Hugging Face Text Embeddings Inference's `/rerank`. Each turns our request into its body and
 * its answer back into our response, so the client's retry and error logic stays format-free.
 */
import { z } from 'zod';
import { RerankError } from '../core/errors.js';
import { validateRerankResponse, type RerankRequest, type RerankResponse, type RerankResult } from '../core/contract.js';
import { isScored, rankResults } from '../core/ranking.js';

/** Which API the upstream speaks. */
export type RemoteProtocol = 'rerank' | 'tei';

/** One wire format: where to POST, what to send, how to read the answer. */
export interface WireProtocol {
  /** The endpoint for a server at `baseUrl` (no trailing slash). */
  endpoint(baseUrl: string): string;
  /** The JSON body for a validated request; throws a 400 RerankError for what the format can't say. */
  body(request: RerankRequest): unknown;
  /** Our response from the parsed JSON answer; throws `invalid_response` for a malformed one. */
  parse(answer: unknown, request: RerankRequest): RerankResponse;
  /** Whether the server may answer as an event stream (`webrerank serve` does). */
  streams: boolean;
}

/**
 * The hosted API. `{baseUrl}/v1/rerank`, or `{baseUrl}/rerank` when the base already ends in `/v1`
 * (both spellings of an OpenAI-style base URL are common).
 */
const rerankProtocol: WireProtocol = {
  endpoint: (baseUrl) => (/\/v1$/.test(baseUrl) ? `${baseUrl}/rerank` : `${baseUrl}/v1/rerank`),
  body: (request) => request,
  streams: true,
  parse(answer, request) {
    const response = validateRerankResponse(answer, request);
    return { ...response, results: normalizeResults(response.results, request) };
  },
};

const teiAnswerSchema = z.array(
  z.object({
    index: z.number().int().nonnegative(),
    score: z.number(),
    text: z.string().nullish(),
  }),
);

/**
 * Text Embeddings Inference: `POST {baseUrl}/rerank {query, texts, raw_scores, return_text,
 * truncate}` → `[{index, score}]`. TEI scores every text and knows no `top_n`, so sorting, `top_n`
 * and `return_documents` are applied here. Texts are never asked back: we already hold them.
 */
const teiProtocol: WireProtocol = {
  endpoint: (baseUrl) => `${baseUrl}/rerank`,
  streams: false,
  body(request) {
    if ((request.max_chunks_per_doc ?? 1) > 1) {
      throw new RerankError('invalid_max_chunks_per_doc', 'max_chunks_per_doc above 1 is not supported by a TEI upstream, which truncates long documents.');
    }
    if (request.max_tokens_per_doc !== undefined) {
      throw new RerankError('invalid_max_tokens_per_doc', 'max_tokens_per_doc is not supported by a TEI upstream, which cuts documents at its own limit.');
    }
    // truncate: the hosted API and the local engine cut long documents rather than refuse them.
    return { query: request.query, texts: request.documents, raw_scores: false, return_text: false, truncate: true };
  },
  parse(answer, request) {
    const parsed = teiAnswerSchema.safeParse(answer);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RerankError('invalid_response', `The TEI server's answer is not a rerank answer (${issue?.path.join('.') || 'body'}: ${issue?.message}).`);
    }
    const scores = new Array<number | undefined>(request.documents.length).fill(undefined);
    for (const { index, score } of parsed.data) {
      if (index >= request.documents.length) {
        throw new RerankError('invalid_response', `The TEI server's answer names text ${index}, but the request had ${request.documents.length}.`);
      }
      if (scores[index] !== undefined) throw new RerankError('invalid_response', `The TEI server's answer scores text ${index} twice.`);
      scores[index] = score;
    }
    const missing = scores.indexOf(undefined);
    if (missing !== -1) throw new RerankError('invalid_response', `The TEI server's answer has no score for text ${missing}.`);
    // rankResults refuses a non-finite score (500 non_finite_score), as TEI itself would.
    return { results: rankResults(scores as number[], request), model: request.model, usage: { total_tokens: 0 } };
  },
};

/** The wire format for `protocol`. */
export function wireProtocol(protocol: RemoteProtocol): WireProtocol {
  return protocol === 'tei' ? teiProtocol : rerankProtocol;
}

/**
 * Holds a remote answer to our own contract, whatever the server did: each document at most once,
 * sorted by score (ties by index), cut to `top_n`, texts attached when asked for and only then.
 */
function normalizeResults(results: RerankResult[], request: RerankRequest): RerankResult[] {
  const seen = new Set<number>();
  for (const result of results) {
    if (seen.has(result.index)) throw new RerankError('invalid_response', `The server's response lists document ${result.index} twice.`);
    seen.add(result.index);
  }
  // Documents a time budget left unscored come last, in their given order.
  const unscored = results.filter((result) => !isScored(result)).sort((a, b) => a.index - b.index);
  const sorted = [...results.filter(isScored).sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index), ...unscored];
  return sorted.slice(0, request.top_n ?? sorted.length).map((result) => {
    const { index, relevance_score } = result;
    const scored = relevance_score === undefined ? { index } : { index, relevance_score };
    if (!request.return_documents) return scored;
    return { ...scored, document: result.document ?? { text: request.documents[index] as string } };
  });
}

/** The server's `meta.warnings` (e.g. that it serves a stand-in), passed on to the caller. */
export function warningsOf(body: unknown): string[] | undefined {
  const warnings = (body as { meta?: { warnings?: unknown } } | null)?.meta?.warnings;
  if (!Array.isArray(warnings)) return undefined;
  const texts = warnings.filter((warning): warning is string => typeof warning === 'string');
  return texts.length > 0 ? texts : undefined;
}
