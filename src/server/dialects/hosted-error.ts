/** The hosted API's error body (`{"error": {status, code, message, retry_after?}}`), as a schema for OpenAPI. */
import { z } from 'zod';
import type { RerankError } from '../../core/errors.js';

export const hostedErrorSchema = z
  .object({
    error: z.object({
      status: z.number().int(),
      code: z.string().meta({ description: 'A stable code to branch on, e.g. empty_documents, server_busy.' }),
      message: z.string(),
      retry_after: z.number().int().optional().meta({ description: 'Seconds to wait, also sent as Retry-After.' }),
    }),
  })
  .meta({ id: 'Error' });

/** The hosted API's error: its own status and `toJSON()` body. */
export function hostedErrorBody(error: RerankError): { status: number; body: unknown } {
  return { status: error.status, body: error.toJSON() };
}
