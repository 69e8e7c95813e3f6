/**
 * What of a failure reaches the client (the server's message for it, never a dependency's words)
 * and what reaches the operator's log.
 */
import { RerankError, isRerankError } from '../core/errors.js';
import { LOAD_FAILED } from './health.js';
import { withoutLocalPaths } from './load-retry.js';

/**
 * What a client may see of a failure. Our own 4xx errors and typed 5xx errors pass as they are;
 * anything unexpected becomes a generic 500 (its message may hold paths or internals), a failed
 * model load says so without the loader's words, and an upstream's refusal of *this server's*
 * credentials is not passed on as the client's 401.
 */
export function publicError(error: unknown): RerankError {
  if (!isRerankError(error)) return new RerankError('internal_error', 'Internal server error.');
  switch (error.code) {
    case 'internal_error':
      return new RerankError('internal_error', 'Internal server error.');
    case 'model_load_failed':
      // Already in the client's words when the server refused for a failed load (loadFailedError).
      return error.message.startsWith(LOAD_FAILED) ? error : new RerankError('model_load_failed', `${LOAD_FAILED}: ${withoutLocalPaths(error.message)}`);
    case 'model_load_stalled':
      return new RerankError('model_load_stalled', 'The model stopped loading (no progress); the server log says why.');
    case 'unauthorized':
      return new RerankError('model_unavailable', "The upstream service refused this server's credentials.");
    default:
      return error;
  }
}

export function describeInternally(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
