/**
 * How every error leaves the server: one JSON body in the answering dialect's shape (the hosted
 * API's before a dialect is known), its status, and `Retry-After` where waiting helps.
 */
import type { Context } from 'hono';
import type { RerankError } from '../core/errors.js';
import { BodyTooLargeError } from './body.js';
import type { Dialect } from './dialects/index.js';
import { hostedErrorBody } from './dialects/hosted-error.js';

/** The error body and status (and `Retry-After`) for a RerankError, in the answering dialect's shape. */
export function errorResponse(c: Context, error: RerankError): Response {
  if (error.retryAfter !== undefined) c.header('Retry-After', String(error.retryAfter));
  // After an oversized body the connection is closed: one left partly unread can't carry another
  // request, and even a drained one was seen reused by Node's fetch and cohere-ai for a next upload
  // that @hono/node-server's own clean-up then cut (ECONNRESET). The client has finished sending
  // by then (the body was drained), so it reads the 413 and reconnects.
  if (error instanceof BodyTooLargeError) c.header('Connection', 'close');
  const dialect = (c as Context<{ Variables: { dialect?: Dialect } }>).get('dialect');
  const { status, body } = dialect ? dialect.errorBody(error) : hostedErrorBody(error);
  return c.body(JSON.stringify(body), status as 400, { 'Content-Type': 'application/json' });
}
