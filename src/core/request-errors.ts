/**
 * A schema issue in the user's words: which field is wrong, what it must be, and what was sent
 * (quoted short), with the error code a client can branch on.
 */
import type { z } from 'zod';
import { RerankError } from './errors.js';
import { MAX_CHUNKS_PER_DOC } from './request-limits.js';

type Issue = z.core.$ZodIssue;

/**
 * Maps the first schema issue to our error code and a message that names the offending field; the
 * server's dialects use it for the fields they share with the contract.
 */
export function rerankErrorFromIssue(issue: Issue | undefined, body: Record<string, unknown>): RerankError {
  const field = issue?.path[0];
  const missing = typeof field === 'string' && !(field in body);
  if (field === 'documents' && missing) return new RerankError('invalid_documents', 'documents is required.');
  if (field === 'documents') {
    const index = issue?.path[1];
    if (typeof index === 'number') {
      const documents = body.documents as unknown[];
      return new RerankError(
        'invalid_documents',
        `documents[${index}] must be a string, got ${describe(documents[index])}.`,
      );
    }
    return new RerankError('invalid_documents', `documents must be an array of strings, got ${describe(body.documents)}.`);
  }
  if (field === 'top_n') {
    return new RerankError('invalid_top_n', `top_n must be a positive integer, got ${describe(body.top_n)}.`);
  }
  if (field === 'max_chunks_per_doc') {
    return new RerankError(
      'invalid_max_chunks_per_doc',
      `max_chunks_per_doc must be a positive integer, at most ${MAX_CHUNKS_PER_DOC}, got ${describe(body.max_chunks_per_doc)}.`,
    );
  }
  if (field === 'max_tokens_per_doc') {
    return new RerankError(
      'invalid_max_tokens_per_doc',
      `max_tokens_per_doc must be a positive integer, got ${describe(body.max_tokens_per_doc)}.`,
    );
  }
  if (field === 'budget_ms') {
    return new RerankError('invalid_budget_ms', `budget_ms must be a number of milliseconds, 0 or more, got ${describe(body.budget_ms)}.`);
  }
  if (missing) return new RerankError('invalid_request', `${field} is required.`);
  const message = issue?.message ?? 'invalid value';
  // The schema's own messages already start with the field's name: say it once.
  return new RerankError('invalid_request', typeof field === 'string' && message.startsWith(`${field} `) ? `${message}.` : `${String(field ?? 'body')}: ${message}.`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'string') return 'a string';
  if (value === undefined) return 'nothing';
  const kind = typeof value;
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}
