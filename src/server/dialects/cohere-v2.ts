/**
 * `POST /v2/rerank`: Cohere's v2 Rerank API. String documents, `max_tokens_per_doc` (each document
 * cut to that many tokens before pairing), `priority` accepted and ignored; v2's response
 * (`id`, `results`, `meta`) with no `document` texts.
 */
import { z } from 'zod';
import { isScored } from '../../core/ranking.js';
import { checkRequestSize, rerankErrorFromIssue, rerankRequestSchema, validateRerankRequest } from '../../core/contract.js';
import type { Dialect, DialectContext, DialectRequest } from './dialect.js';
import { hostedErrorBody, hostedErrorSchema } from './hosted-error.js';
import { searchUnits } from './units.js';

export const cohereV2RequestSchema = rerankRequestSchema
  .pick({ model: true, query: true, documents: true, top_n: true, max_tokens_per_doc: true })
  .extend({ priority: z.number().int().nullish().meta({ description: 'Accepted for compatibility; requests are served in arrival order.' }) })
  .meta({ id: 'CohereV2RerankRequest' });

export const cohereV2ResponseSchema = z
  .object({
    id: z.string(),
    results: z.array(z.object({ index: z.number().int().nonnegative(), relevance_score: z.number() })),
    meta: z.object({
      api_version: z.object({ version: z.string() }),
      billed_units: z.object({ search_units: z.number().int() }),
      tokens: z.object({ input_tokens: z.number().int(), output_tokens: z.number().int() }),
      warnings: z.array(z.string()).optional(),
    }),
  })
  .meta({ id: 'CohereV2RerankResponse' });

function read(body: unknown, context: DialectContext): DialectRequest {
  const limits = { models: context.models, ...context.limits };
  // Not an object at all: the contract's own message.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) validateRerankRequest(body, limits);
  checkRequestSize(body as Record<string, unknown>, limits);
  const parsed = cohereV2RequestSchema.safeParse(body);
  if (!parsed.success) throw rerankErrorFromIssue(parsed.error.issues[0], body as Record<string, unknown>);
  const { priority: _priority, ...fields } = parsed.data;
  const request = validateRerankRequest({ ...fields, model: context.resolveModel(fields.model) }, limits);
  return {
    request,
    render: (response, { requestId, windows }): z.infer<typeof cohereV2ResponseSchema> => ({
      id: requestId,
      results: response.results.filter(isScored).map(({ index, relevance_score }) => ({ index, relevance_score })),
      meta: {
        api_version: { version: '2' },
        billed_units: { search_units: searchUnits(windows) },
        tokens: { input_tokens: response.usage.total_tokens, output_tokens: 0 },
        ...(response.meta?.warnings ? { warnings: response.meta.warnings } : {}),
      },
    }),
  };
}

/** Cohere v2 on `POST /v2/rerank`. */
export const cohereV2Dialect: Dialect = {
  name: 'cohere-v2',
  path: '/v2/rerank',
  summary: "Rerank documents: Cohere's v2 API (max_tokens_per_doc)",
  requestSchema: cohereV2RequestSchema,
  responseSchema: cohereV2ResponseSchema,
  errorSchema: hostedErrorSchema,
  read,
  errorBody: hostedErrorBody,
};
