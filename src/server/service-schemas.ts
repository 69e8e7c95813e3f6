/** The schemas of the server's routes besides reranking: the model list and the health check. */
import { z } from 'zod';

/** `GET /v1/models`, OpenAI's list shape: the served ids and their aliases. */
export const modelListSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(
      z.object({
        id: z.string(),
        object: z.literal('model'),
        created: z.number().int(),
        owned_by: z.string(),
        standin: z.literal(true).optional().meta({ description: 'Present when the model is a generated stand-in with random weights.' }),
      }),
    ),
  })
  .meta({ id: 'ModelList' });

/** `GET /health`: the model's state, and what serves once ready. */
export const healthSchema = z
  .object({
    status: z.enum(['idle', 'loading', 'ready', 'failed']),
    models: z.array(z.string()),
    backend: z.enum(['webgpu', 'wasm', 'cpu', 'remote']).optional(),
    dtype: z.string().optional(),
    standin: z.literal(true).optional().meta({ description: 'Present when the model is a generated stand-in with random weights: its scores mean nothing.' }),
    reason: z.string().optional().meta({ description: 'While not ready: why the last load failed (local paths left out).' }),
    url: z.string().optional().meta({ description: 'The URL the failed download tried, when it was one.' }),
    attempts: z.number().int().optional().meta({ description: 'Model loads tried so far.' }),
    next_retry_at: z.string().optional().meta({ description: 'When the next load starts (ISO 8601), while one is scheduled.' }),
  })
  .meta({ id: 'Health' });

export type ModelList = z.infer<typeof modelListSchema>;
export type Health = z.infer<typeof healthSchema>;

/** `GET /health/ready`: whether this replica should get traffic, and why not. */
export const readinessSchema = z
  .object({
    ready: z.boolean(),
    model: z.enum(['idle', 'loading', 'ready', 'failed']),
    store: z.object({ kind: z.string(), reachable: z.boolean() }),
    draining: z.boolean(),
  })
  .meta({ id: 'Readiness' });

const usageCountsSchema = z.object({
  requests: z.number().int(),
  documents: z.number().int().meta({ description: 'Scoring windows billed — a document, or one piece of a long one cut by max_chunks_per_doc, cached ones included — as quotas count them.' }),
  search_units: z.number().int().meta({ description: 'One per request of up to 100 windows.' }),
  tokens: z.number().int(),
});
const quotaLeftSchema = z.object({ limit: z.number().int(), used: z.number().int(), remaining: z.number().int() });

/** `GET /v1/usage`: the caller's own usage today (UTC) and in all, and what its quota leaves. */
export const usageSchema = z
  .object({
    key: z.string(),
    day: z.string().meta({ description: 'The UTC day of `today`, YYYY-MM-DD.' }),
    today: usageCountsSchema,
    total: usageCountsSchema,
    quota: z.object({ requests: quotaLeftSchema.optional(), documents: quotaLeftSchema.optional() }),
  })
  .meta({ id: 'Usage' });

export type Readiness = z.infer<typeof readinessSchema>;
export type UsageReport = z.infer<typeof usageSchema>;
