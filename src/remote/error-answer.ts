/**
 * What a remote server's failure becomes: a typed error with the upstream's status, its error code
 * when it is one of ours, its message when it has one, and whether a retry may help.
 */
import { RerankError, STATUS_OF_CODE, type RerankErrorCode } from '../core/errors.js';
import type { RerankResponse } from '../core/contract.js';
import { isRetryableStatus, parseRetryAfter } from './retry.js';

/** What one attempt came to: an answer, or an error and whether trying again may help. */
export type AttemptOutcome = { response: RerankResponse } | { error: RerankError; retryable: boolean; retryAfterMs?: number };

/** Code for an error status when the body names none we know. Others: 4xx → invalid_request, 5xx → internal_error. */
const CODE_OF_STATUS: Readonly<Record<number, RerankErrorCode>> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'unauthorized',
  402: 'quota_exceeded',
  408: 'timeout',
  413: 'payload_too_large',
  429: 'rate_limited',
  500: 'internal_error',
  502: 'network_error',
  503: 'model_unavailable',
  504: 'timeout',
};

/**
 * The typed error for a non-2xx answer, keeping the upstream's status, its error code when it is
 * one of ours, its message when it has one, and its `Retry-After`.
 */
export function errorFromAnswer(status: number, headers: Headers, text: string, origin: string): AttemptOutcome {
  const { code: upstreamCode, message } = readErrorBody(text);
  const code =
    upstreamCode !== undefined && upstreamCode in STATUS_OF_CODE
      ? (upstreamCode as RerankErrorCode)
      : (CODE_OF_STATUS[status] ?? (status < 500 ? 'invalid_request' : 'internal_error'));
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'));
  const error = new RerankError(code, message ?? `${origin} answered ${status}.`, {
    status,
    ...(retryAfterMs !== undefined ? { retryAfter: Math.ceil(retryAfterMs / 1000) } : {}),
  });
  return { error, retryable: isRetryableStatus(status), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** The longest upstream message passed on; a proxy's HTML error page is not a message. */
const MAX_MESSAGE_LENGTH = 500;

/**
 * Reads `{error: {code, message}}` (ours, OpenAI-style), `{error: "..."}` (TEI) or `{message}` /
 * `{detail}` (other frameworks) from an error body. Anything else yields nothing.
 */
function readErrorBody(text: string): { code?: string; message?: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  const nested = typeof record.error === 'object' && record.error !== null ? (record.error as Record<string, unknown>) : undefined;
  const message = [nested?.message, record.error, record.message, record.detail].find((value): value is string => typeof value === 'string' && value !== '');
  const code = typeof nested?.code === 'string' ? nested.code : undefined;
  return {
    ...(code !== undefined ? { code } : {}),
    ...(message !== undefined ? { message: message.slice(0, MAX_MESSAGE_LENGTH) } : {}),
  };
}

/** The status an `error` event's body names (ours: `{error: {status}}`), else 500. */
export function errorStatusOf(data: string): number {
  try {
    const status = (JSON.parse(data) as { error?: { status?: unknown } }).error?.status;
    return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
  } catch {
    return 500;
  }
}
