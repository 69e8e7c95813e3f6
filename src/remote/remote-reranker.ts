/**
 * The remote reranker: the same `Reranker` interface, answered by a `/v1/rerank` server (the hosted
 * API, `webrerank serve`) or a Text Embeddings Inference server over HTTP.
 *
 * It uses only fetch, AbortController and timers, so it runs in browsers, Node and edge runtimes.
 * Bad input is refused locally (the same 400s as the engine, no network call); a malformed answer
 * becomes a typed error, never a crash; failures that may pass (429, 5xx, network, timeout) are
 * retried a bounded number of times.
 */
import { AbortError, RerankError, STATUS_OF_CODE, disposedError, throwIfAborted, type RerankErrorCode } from '../core/errors.js';
import { DEFAULT_MODEL_ID } from '../core/models.js';
import { DEFAULT_MAX_DOCUMENTS, validateRerankRequest, type RerankRequest, type RerankResponse } from '../core/contract.js';
import type { RerankOptions, Reranker, RerankerInfo } from '../core/reranker.js';
import { wireProtocol, type RemoteProtocol, type WireProtocol } from './wire-formats.js';
import { DEFAULT_RETRY_POLICY, backoffDelay, isRetryableStatus, parseRetryAfter, sleep, type RetryPolicy } from './retry.js';

export type { RemoteProtocol } from './wire-formats.js';

/** The fetch signature the client needs; pass your own to add tracing or a proxy. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface RemoteRerankerOptions {
  /** The server's base URL, e.g. `https://api.apertis.ai` or `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`. Never put a provider key in a browser: see docs/server.md. */
  apiKey?: string;
  /** `rerank` (default): `POST {baseUrl}/v1/rerank`. `tei`: Text Embeddings Inference's `POST {baseUrl}/rerank`. */
  protocol?: RemoteProtocol;
  /** Time allowed for each attempt, answer body included (default 30 000 ms). */
  timeoutMs?: number;
  /** Retries after the first attempt for 429, 5xx, network failures and timeouts (default 2). */
  retries?: number;
  /** The first backoff; each later one doubles, with jitter (default 300 ms). */
  retryDelayMs?: number;
  /** The longest wait before a retry; a longer `Retry-After` ends the retries (default 30 000 ms). */
  maxRetryDelayMs?: number;
  /** The fetch to use (default: the global one, looked up at call time). */
  fetch?: FetchFunction;
  /** Extra headers for every request (e.g. an organisation id). `Authorization` comes from `apiKey`. */
  headers?: Record<string, string>;
  /**
   * Model ids the server serves. When given, other ids are refused locally with 400
   * `unknown_model`; `info().models` reports them either way (default `[BAAI/bge-reranker-v2-m3]`).
   */
  models?: string[];
  /** Most documents per request, checked locally (default 1000). */
  maxDocuments?: number;
}

/** Default time allowed for one attempt. */
export const DEFAULT_REMOTE_TIMEOUT_MS = 30_000;

/** What one attempt came to: an answer, or an error and whether trying again may help. */
type AttemptOutcome = { response: RerankResponse } | { error: RerankError; retryable: boolean; retryAfterMs?: number };

/**
 * A reranker that asks a remote server. Callers can't tell it from the local engine, except by
 * `meta.backend === 'remote'` on each response and `info().backend`.
 *
 * @example
 * const remote = createRemoteReranker({ baseUrl: 'http://127.0.0.1:8080', apiKey: 'sk-local' });
 * const { results } = await remote.rerank({ model: 'BAAI/bge-reranker-v2-m3', query, documents });
 */
export function createRemoteReranker(options: RemoteRerankerOptions): Reranker {
  return new RemoteReranker(options);
}

class RemoteReranker implements Reranker {
  readonly #endpoint: string;
  readonly #origin: string;
  readonly #wire: WireProtocol;
  readonly #policy: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #fetch: FetchFunction;
  readonly #headers: Record<string, string>;
  readonly #models: string[] | undefined;
  readonly #maxDocuments: number;
  /** Fires on dispose, cutting short every request and backoff in flight. */
  readonly #disposal = new AbortController();

  constructor(options: RemoteRerankerOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`baseUrl must be an absolute http(s) URL, got "${options.baseUrl}".`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`baseUrl must be an http(s) URL, got "${url.protocol}".`);
    this.#wire = wireProtocol(options.protocol ?? 'rerank');
    this.#endpoint = this.#wire.endpoint(options.baseUrl.replace(/\/+$/, ''));
    this.#origin = url.origin;
    this.#policy = {
      retries: nonNegative('retries', options.retries ?? DEFAULT_RETRY_POLICY.retries),
      retryDelayMs: nonNegative('retryDelayMs', options.retryDelayMs ?? DEFAULT_RETRY_POLICY.retryDelayMs),
      maxRetryDelayMs: nonNegative('maxRetryDelayMs', options.maxRetryDelayMs ?? DEFAULT_RETRY_POLICY.maxRetryDelayMs),
    };
    this.#timeoutMs = nonNegative('timeoutMs', options.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS);
    // Looked up per call, not bound once: a page may install its fetch (or a test polyfill) later.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#headers = {
      ...options.headers,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      ...(options.apiKey !== undefined ? { Authorization: `Bearer ${options.apiKey}` } : {}),
    };
    this.#models = options.models;
    this.#maxDocuments = options.maxDocuments ?? DEFAULT_MAX_DOCUMENTS;
  }

  async rerank(body: RerankRequest, options: RerankOptions = {}): Promise<RerankResponse> {
    this.#assertUsable();
    const request = validateRerankRequest(body, { maxDocuments: this.#maxDocuments, ...(this.#models ? { models: this.#models } : {}) });
    const payload = JSON.stringify(this.#wire.body(request));
    throwIfAborted(options.signal);

    for (let retry = 0; ; retry++) {
      const outcome = await this.#attempt(payload, request, options.signal);
      if ('response' in outcome) return outcome.response;
      const { error, retryable, retryAfterMs } = outcome;
      if (!retryable || retry >= this.#policy.retries) throw error;
      if (retryAfterMs !== undefined && retryAfterMs > this.#policy.maxRetryDelayMs) throw error;
      await this.#wait(retryAfterMs ?? backoffDelay(retry, this.#policy), options.signal);
    }
  }

  async info(): Promise<RerankerInfo> {
    return { backend: 'remote', dtype: null, state: 'ready', models: this.#models ?? [DEFAULT_MODEL_ID] };
  }

  async dispose(): Promise<void> {
    this.#disposal.abort();
  }

  #assertUsable(): void {
    if (this.#disposal.signal.aborted) throw disposedError();
  }

  /** One POST, its answer read in full, all within `timeoutMs`. Throws only for an abort or dispose. */
  async #attempt(payload: string, request: RerankRequest, signal: AbortSignal | undefined): Promise<AttemptOutcome> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeoutMs);
    const release = forwardAborts([signal, this.#disposal.signal], controller);

    let status: number;
    let headers: Headers;
    let text: string;
    try {
      const response = await this.#fetch(this.#endpoint, { method: 'POST', headers: this.#headers, body: payload, signal: controller.signal });
      status = response.status;
      headers = response.headers;
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
      this.#assertUsable();
      if (timedOut) {
        return { error: new RerankError('timeout', `${this.#origin} did not answer within ${this.#timeoutMs} ms.`, { cause: error }), retryable: true };
      }
      return { error: new RerankError('network_error', `Could not reach ${this.#origin}: ${describeFailure(error)}.`, { cause: error }), retryable: true };
    } finally {
      clearTimeout(timer);
      release();
    }

    if (status >= 200 && status < 300) return { response: this.#answer(text, request) };
    return errorFromAnswer(status, headers, text, this.#origin);
  }

  /** Parses and checks a 2xx answer; a malformed one is a typed error and is not retried. */
  #answer(text: string, request: RerankRequest): RerankResponse {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RerankError('invalid_response', `${this.#origin} answered with something that is not JSON.`);
    }
    return { ...this.#wire.parse(json, request), meta: { backend: 'remote' } };
  }

  /** A backoff that the caller's signal (AbortError) or dispose cuts short. */
  async #wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    const controller = new AbortController();
    const release = forwardAborts([signal, this.#disposal.signal], controller);
    try {
      await sleep(ms, controller.signal);
    } catch (error) {
      this.#assertUsable();
      throw error;
    } finally {
      release();
    }
  }
}

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
function errorFromAnswer(status: number, headers: Headers, text: string, origin: string): AttemptOutcome {
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

/** fetch's own words for a failure, with the underlying cause (Node: "fetch failed" + "other side closed"). */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause && cause !== error.message ? `${error.message} (${cause})` : error.message;
}

/**
 * Aborts `target` when any of `sources` fires (AbortSignal.any is too new for some browsers we
 * support). Returns the function that detaches the listeners.
 */
function forwardAborts(sources: (AbortSignal | undefined)[], target: AbortController): () => void {
  const abort = (): void => target.abort();
  const live = sources.filter((source): source is AbortSignal => source !== undefined);
  for (const source of live) {
    if (source.aborted) target.abort();
    else source.addEventListener('abort', abort, { once: true });
  }
  return () => {
    for (const source of live) source.removeEventListener('abort', abort);
  };
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a non-negative number, got ${value}.`);
  return value;
}
