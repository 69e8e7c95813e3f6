/**
 * `POST /rerank`: Hugging Face Text Embeddings Inference's rerank route.
 * `{query, texts, raw_scores, return_text, truncate, truncation_direction}` → a bare array
 * `[{index, text?, score}]`, highest score first; `raw_scores` gives the logit instead of its
 * sigmoid. Errors take TEI's shape (`{error, error_type}`) and statuses: 413 for what TEI calls a
 * validation error (too many texts, a body too large), 422 for a body that doesn't parse into the
 * request, 400 for no texts, 429 when the queue is full, 503 while the model is not there.
 *
 * TEI has no model field: the server's first model answers. Texts are always cut to the model's
 * window from the right (`truncate: false` does not refuse long texts; `truncation_direction:
 * "Left"` is refused with 422, since the engine keeps a document's beginning).
 */
import { z } from 'zod';
import { isScored } from '../../core/ranking.js';
import { RerankError } from '../../core/errors.js';
import { checkRequestSize, validateRerankRequest } from '../../core/contract.js';
import type { Dialect, DialectContext, DialectRequest } from './dialect.js';

export const teiRequestSchema = z
  .object({
    query: z.string(),
    texts: z.array(z.string()),
    raw_scores: z.boolean().nullish().meta({ description: 'The logit instead of sigmoid(logit). Default false.' }),
    return_text: z.boolean().nullish(),
    truncate: z.boolean().nullish().meta({ description: 'Accepted; long texts are always truncated.' }),
    truncation_direction: z.enum(['Right', 'right', 'Left', 'left']).nullish().meta({ description: 'Only Right is supported.' }),
  })
  .meta({ id: 'TeiRerankRequest' });

export const teiResponseSchema = z
  .array(z.object({ index: z.number().int().nonnegative(), text: z.string().optional(), score: z.number() }))
  .meta({ id: 'TeiRerankResponse' });

export const teiErrorSchema = z
  .object({ error: z.string(), error_type: z.string().meta({ description: 'validation, empty, overloaded, unhealthy, backend, or our error code' }) })
  .meta({ id: 'TeiError' });

/**
 * The logit behind a sigmoid score (TEI's `raw_scores`). Exact to float precision for the logits a
 * reranker produces (|logit| < ~30); a score that rounded to 0 or 1 gives ±36.7, the last logit
 * a float64 sigmoid tells apart, rather than an infinity JSON can't carry.
 */
function logit(score: number): number {
  const value = Math.log(score) - Math.log1p(-score);
  return Number.isFinite(value) ? value : Math.sign(value) * SATURATED_LOGIT;
}

const SATURATED_LOGIT = 36.7;

function read(body: unknown, context: DialectContext): DialectRequest {
  if (typeof body === 'object' && body !== null) checkRequestSize({ documents: (body as { texts?: unknown }).texts }, context.limits);
  const parsed = teiRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'body';
    throw new RerankError('invalid_request', `${where}: ${issue?.message ?? 'invalid value'}`, { status: 422 });
  }
  const { query, texts, raw_scores: raw, return_text: returnText, truncation_direction: direction } = parsed.data;
  if (direction === 'Left' || direction === 'left') {
    throw new RerankError('invalid_request', 'truncation_direction "Left" is not supported: texts are cut from the right.', { status: 422 });
  }
  const model = context.models[0] ?? '';
  const request = validateRerankRequest({ model, query, documents: texts }, { models: context.models, ...context.limits });
  return {
    request,
    render: (response): z.infer<typeof teiResponseSchema> =>
      response.results.filter(isScored).map(({ index, relevance_score }) => ({
        index,
        ...(returnText ? { text: texts[index] as string } : {}),
        score: raw ? logit(relevance_score) : relevance_score,
      })),
  };
}

/** TEI's status and `error_type` for each of our errors. */
function teiError(error: RerankError): { status: number; type: string } {
  switch (error.code) {
    case 'invalid_request':
    case 'invalid_documents':
      return { status: error.status === 400 ? 422 : error.status, type: 'validation' };
    case 'empty_documents':
      return { status: 400, type: 'empty' };
    case 'empty_query':
    case 'too_many_documents':
    case 'payload_too_large':
      return { status: 413, type: 'validation' };
    case 'server_busy':
    case 'rate_limited':
      return { status: 429, type: 'overloaded' };
    case 'model_loading':
    case 'model_load_failed':
    case 'model_unavailable':
    case 'network_error':
    case 'shutting_down':
    case 'limits_unavailable':
      return { status: 503, type: 'unhealthy' };
    case 'non_finite_score':
    case 'internal_error':
    case 'invalid_response':
    case 'worker_crashed':
      return { status: 424, type: 'backend' };
    default:
      return { status: error.status, type: error.code };
  }
}

/** TEI on `POST /rerank`. */
export const teiDialect: Dialect = {
  name: 'tei',
  path: '/rerank',
  summary: "Rerank texts: Text Embeddings Inference's /rerank",
  requestSchema: teiRequestSchema,
  responseSchema: teiResponseSchema,
  errorSchema: teiErrorSchema,
  read,
  errorBody(error) {
    const { status, type } = teiError(error);
    return { status, body: { error: error.message, error_type: type } };
  },
};
