/**
 * One error type for every way a rerank can fail, wherever it ran (engine, worker, remote, server).
 *
 * Each error carries the HTTP status it maps to — the hosted API's own table (400, 401, 402, 403, 429,
 * 500, 503) plus a few that only a client sees (413, 415, 499 for an abort, 504 for a timeout) — and a
 * stable `code` a caller can branch on without parsing messages.
 */

/** Stable machine-readable error codes. New codes may be added; existing ones never change meaning. */
export type RerankErrorCode =
  // 400: the request itself is wrong
  | 'invalid_request'
  | 'empty_query'
  | 'empty_documents'
  | 'invalid_documents'
  | 'invalid_top_n'
  | 'invalid_max_chunks_per_doc'
  | 'invalid_max_tokens_per_doc'
  | 'invalid_budget_ms'
  | 'too_many_documents'
  | 'query_too_long'
  | 'unknown_model'
  // 401 / 402 / 403 / 429: who is asking and how much
  | 'unauthorized'
  | 'model_not_allowed'
  | 'quota_exceeded'
  | 'rate_limited'
  // 413: the body (or a document) is too large; 415: its encoding is unknown
  | 'payload_too_large'
  | 'document_too_large'
  | 'unsupported_encoding'
  // 499 / 504: the caller gave up
  | 'aborted'
  | 'timeout'
  // 500: something broke while scoring
  | 'non_finite_score'
  | 'internal_error'
  | 'invalid_response'
  | 'worker_crashed'
  // 503: the model or the service is not there
  | 'model_loading'
  | 'model_load_failed'
  | 'model_load_stalled'
  | 'model_unavailable'
  | 'network_error'
  | 'server_busy'
  | 'shutting_down'
  | 'limits_unavailable'
  | 'out_of_memory';

/** The status each code maps to, so every entry point answers the same way. */
export const STATUS_OF_CODE: Readonly<Record<RerankErrorCode, number>> = Object.freeze({
  invalid_request: 400,
  empty_query: 400,
  empty_documents: 400,
  invalid_documents: 400,
  invalid_top_n: 400,
  invalid_max_chunks_per_doc: 400,
  invalid_max_tokens_per_doc: 400,
  invalid_budget_ms: 400,
  too_many_documents: 400,
  query_too_long: 400,
  unknown_model: 400,
  unauthorized: 401,
  model_not_allowed: 403,
  quota_exceeded: 402,
  rate_limited: 429,
  payload_too_large: 413,
  document_too_large: 413,
  unsupported_encoding: 415,
  aborted: 499,
  timeout: 504,
  non_finite_score: 500,
  internal_error: 500,
  invalid_response: 500,
  worker_crashed: 500,
  model_loading: 503,
  model_load_failed: 503,
  model_load_stalled: 503,
  model_unavailable: 503,
  network_error: 503,
  server_busy: 503,
  shutting_down: 503,
  limits_unavailable: 503,
  out_of_memory: 503,
});

/** The JSON body of an error response, as the server writes it and the CLI prints it. */
export interface RerankErrorBody {
  error: { status: number; code: RerankErrorCode | string; message: string; retry_after?: number };
}

export interface RerankErrorOptions {
  /** The underlying failure, kept for debugging; never sent over HTTP. */
  cause?: unknown;
  /** Seconds the caller should wait before trying again (429, 503). */
  retryAfter?: number;
  /** Overrides the status derived from `code` (e.g. an upstream answered with an unusual status). */
  status?: number;
}

/**
 * The error every webrerank entry point throws.
 *
 * @example
 * try {
 *   await reranker.rerank({ model, query, documents: [] });
 * } catch (error) {
 *   if (isRerankError(error) && error.status === 400) showMessage(error.message);
 * }
 */
export class RerankError extends Error {
  override name = 'RerankError';
  /** The HTTP status this error maps to. */
  readonly status: number;
  /** A stable code to branch on. */
  readonly code: RerankErrorCode;
  /** Seconds to wait before retrying, when the failure says so. */
  readonly retryAfter: number | undefined;

  constructor(code: RerankErrorCode, message: string, options: RerankErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? STATUS_OF_CODE[code] ?? 500;
    this.retryAfter = options.retryAfter;
  }

  /** The body an HTTP server sends for this error; messages never include internals. */
  toJSON(): RerankErrorBody {
    const body: RerankErrorBody = { error: { status: this.status, code: this.code, message: this.message } };
    if (this.retryAfter !== undefined) body.error.retry_after = this.retryAfter;
    return body;
  }
}

/**
 * Thrown when a caller's `AbortSignal` fires. Named `AbortError` like the platform's own, so code
 * that already checks `error.name === 'AbortError'` keeps working.
 */
export class AbortError extends RerankError {
  override name = 'AbortError';
  constructor(message = 'The rerank was aborted.', options: RerankErrorOptions = {}) {
    super('aborted', message, options);
  }
}

/**
 * True for any webrerank error, including one that crossed a realm (worker, iframe) where
 * `instanceof` fails: the shape is checked too.
 */
export function isRerankError(value: unknown): value is RerankError {
  if (value instanceof RerankError) return true;
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { name?: unknown; status?: unknown; code?: unknown };
  return (
    (candidate.name === 'RerankError' || candidate.name === 'AbortError') &&
    typeof candidate.status === 'number' &&
    typeof candidate.code === 'string'
  );
}

/** True when the error is an abort, ours or the platform's. */
export function isAbortError(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'AbortError';
}

/** Plain-data form of an error, for crossing a worker boundary (structured clone keeps no class). */
export interface SerializedRerankError {
  name: string;
  code: RerankErrorCode;
  status: number;
  message: string;
  retryAfter?: number;
  stack?: string;
}

export function serializeRerankError(error: RerankError): SerializedRerankError {
  const plain: SerializedRerankError = { name: error.name, code: error.code, status: error.status, message: error.message };
  if (error.retryAfter !== undefined) plain.retryAfter = error.retryAfter;
  if (error.stack !== undefined) plain.stack = error.stack;
  return plain;
}

export function deserializeRerankError(plain: SerializedRerankError): RerankError {
  const options: RerankErrorOptions = { status: plain.status };
  if (plain.retryAfter !== undefined) options.retryAfter = plain.retryAfter;
  const error = plain.name === 'AbortError' ? new AbortError(plain.message, options) : new RerankError(plain.code, plain.message, options);
  if (plain.stack !== undefined) error.stack = plain.stack;
  return error;
}

/**
 * Turns anything thrown into a RerankError, so callers only ever see one type. Unknown failures
 * become 500 `internal_error` with the original kept as `cause`.
 */
export function toRerankError(error: unknown, fallbackCode: RerankErrorCode = 'internal_error'): RerankError {
  if (error instanceof RerankError) return error;
  if (isRerankError(error)) return deserializeRerankError(error as unknown as SerializedRerankError);
  if (isAbortError(error)) return new AbortError(undefined, { cause: error });
  return new RerankError(fallbackCode, messageOf(error), { cause: error });
}

/** The message of anything thrown: an Error's own, else its string form. For logs and reasons. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What every reranker throws once `dispose()` has been called. */
export function disposedError(): RerankError {
  return new RerankError('model_unavailable', 'This reranker has been disposed.');
}

/** Throws an AbortError if the signal has fired; called between batches. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AbortError(undefined, { cause: signal.reason });
  }
}

/** Longest piece of a client's value that a message quotes back. */
const EXCERPT_CHARACTERS = 100;

/** A client's value for a message, cut short: an error never echoes a whole multi-megabyte field. */
export function excerpt(value: unknown): string {
  const text = String(value);
  return text.length > EXCERPT_CHARACTERS ? `${text.slice(0, EXCERPT_CHARACTERS)}… (${text.length} characters)` : text;
}
