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
