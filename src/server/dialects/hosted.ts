/**
 * `POST /v1/rerank`: the hosted Rerank API, which is also Cohere's v1. On top of the hosted API's
 * string documents it takes Cohere v1's object documents (`{text}`, or any fields chosen by
 * `rank_fields`), and it answers with Cohere v1's `id` and `meta` next to the hosted API's fields,
 * and `usage` in the shape OpenAI-style clients check (`prompt_tokens`, `completion_tokens`).
 */
import { z } from 'zod';
import { RerankError } from '../../core/errors.js';
import { checkRequestSize, rerankErrorFromIssue, rerankRequestSchema, validateRerankRequest, type RerankResponse } from '../../core/contract.js';
import type { Dialect, DialectContext, DialectRequest } from './dialect.js';
import { hostedErrorBody, hostedErrorSchema } from './hosted-error.js';
import { searchUnits } from './units.js';

const objectDocument = z.record(z.string(), z.unknown()).meta({ description: 'Cohere v1: an object with text, or any fields named in rank_fields.' });

export const hostedRequestSchema = rerankRequestSchema
  .extend({
    documents: z.array(z.union([z.string(), objectDocument])),
    rank_fields: z.array(z.string()).nullish().meta({ description: 'Cohere v1: the object fields to rank on, in order, joined as "key: value" lines. At most 100 names; repeats are dropped.' }),
  })
  .meta({ id: 'RerankRequest' });

const metaSchema = z.object({
  backend: z.enum(['webgpu', 'wasm', 'cpu', 'remote']).optional(),
  dtype: z.string().optional(),
  warnings: z.array(z.string()).optional().meta({ description: 'Sentences to show next to the results, e.g. that the model is a random-weight stand-in.' }),
  cached: z.number().int().optional().meta({ description: 'webrerank: documents whose score came from the score cache (absent when none).' }),
  unscored: z.array(z.number().int()).optional().meta({ description: 'webrerank, with budget_ms: the documents the budget left unscored, in their given order.' }),
  api_version: z.object({ version: z.string() }),
  billed_units: z.object({ search_units: z.number().int() }),
});

export const hostedResponseSchema = z
  .object({
    id: z.string().meta({ description: 'The request id, also in the X-Request-Id header and the log line.' }),
    results: z.array(
      z.object({
        index: z.number().int().nonnegative(),
        relevance_score: z.number().optional().meta({ description: 'Absent only for a document that budget_ms left unscored.' }),
        document: z.union([z.object({ text: z.string() }), objectDocument]).optional(),
      }),
    ),
    model: z.string(),
    usage: z.object({ total_tokens: z.number().int(), prompt_tokens: z.number().int(), completion_tokens: z.number().int() }),
    meta: metaSchema,
  })
  .meta({ id: 'RerankResponse' });

type HostedResponse = z.infer<typeof hostedResponseSchema>;

function read(body: unknown, context: DialectContext): DialectRequest {
  const limits = { models: context.models, ...context.limits };
  // Not an object at all: the contract's own message.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) validateRerankRequest(body, limits);
  checkRequestSize(body as Record<string, unknown>, limits);
  const parsed = hostedRequestSchema.safeParse(body);
  if (!parsed.success) throw errorFromIssue(parsed.error.issues[0], body as Record<string, unknown>);
  const { documents, ...fields } = parsed.data;
  // The contract turns object documents into texts, bounded as they are built.
  const request = validateRerankRequest({ ...fields, model: context.resolveModel(fields.model), documents }, limits);
  return {
    request,
    render: (response: RerankResponse, { requestId, windows }): HostedResponse => ({
      id: requestId,
      // Cohere v1 returns an object document as it was given.
      results: response.results.map((result) => {
        const original = documents[result.index];
        return result.document && typeof original === 'object' ? { ...result, document: original } : result;
      }),
      model: response.model,
      usage: { total_tokens: response.usage.total_tokens, prompt_tokens: response.usage.total_tokens, completion_tokens: 0 },
      meta: { ...response.meta, api_version: { version: '1' }, billed_units: { search_units: searchUnits(windows) } },
    }),
  };
}

function errorFromIssue(issue: z.core.$ZodIssue | undefined, body: Record<string, unknown>): RerankError {
  const [field, index] = issue?.path ?? [];
  if (field === 'documents' && typeof index === 'number') {
    return new RerankError('invalid_documents', `documents[${index}] must be a string or an object.`);
  }
  if (field === 'documents' && 'documents' in body) return new RerankError('invalid_documents', 'documents must be an array of strings or objects.');
  if (field === 'rank_fields') return new RerankError('invalid_request', 'rank_fields must be an array of field names (strings).');
  return rerankErrorFromIssue(issue, body);
}

/** The hosted API and Cohere v1 on `POST /v1/rerank`. */
export const hostedDialect: Dialect = {
  name: 'hosted',
  path: '/v1/rerank',
  summary: 'Rerank documents: the hosted Rerank API, also Cohere v1 (object documents, rank_fields)',
  requestSchema: hostedRequestSchema,
  responseSchema: hostedResponseSchema,
  errorSchema: hostedErrorSchema,
  read,
  errorBody: hostedErrorBody,
};
