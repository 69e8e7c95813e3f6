/**
 * The remote reranker: the same `Reranker` interface, answered by a `/v1/rerank` server (the hosted
 * API, `webrerank serve`) or a Text Embeddings Inference server over HTTP.
 *
 * It uses only fetch, AbortController and timers, so it runs in browsers, Node and edge runtimes.
 * Bad input is refused locally (the same 400s as the engine, no network call); a malformed answer
 * becomes a typed error, never a crash; failures that may pass (429, 5xx, network, timeout) are
 * retried a bounded number of times.
 */
import { AbortError, RerankError, disposedError, throwIfAborted, toRerankError } from '../core/errors.js';
import { DEFAULT_MODEL_ID } from '../core/models.js';
import { requestLimits, validateRerankRequest, validateRerankResponse, type RequestLimits, type ValidationLimits, type RerankInput, type RerankRequest, type RerankResponse } from '../core/contract.js';
import { readEventStream } from './event-stream.js';
import { errorFromAnswer, errorStatusOf, type AttemptOutcome } from './error-answer.js';
import type { RerankOptions, RerankPartial, Reranker, RerankerInfo, RerankStreamItem } from '../core/reranker.js';
import { streamRerank } from '../core/rerank-stream.js';
import { warningsOf, wireProtocol, type RemoteProtocol, type WireProtocol } from './wire-formats.js';
import { DEFAULT_RETRY_POLICY, backoffDelay, sleep, type RetryPolicy } from './retry.js';

export type { RemoteProtocol } from './wire-formats.js';

/** The fetch signature the client needs; pass your own to add tracing or a proxy. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** Its request limits (`RequestLimits`) are checked here, before anything is sent. */
export interface RemoteRerankerOptions extends RequestLimits {
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
  /** What errors call the server (default: its origin); with a label they never hold its address. */
  label?: string;
  /** `follow` (default), or `refuse`: a redirect is then a 502 naming its status (a proxy's choice). */
  redirects?: 'follow' | 'refuse';
}

/** Default time allowed for one attempt. */
export const DEFAULT_REMOTE_TIMEOUT_MS = 30_000;


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
  readonly #detailed: boolean;
  readonly #redirect: RequestRedirect;
  readonly #wire: WireProtocol;
  readonly #policy: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #fetch: FetchFunction;
  readonly #headers: Record<string, string>;
  readonly #models: string[] | undefined;
  readonly #limits: ValidationLimits;
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
    this.#origin = options.label ?? url.origin;
    this.#detailed = options.label === undefined;
    this.#redirect = options.redirects === 'refuse' ? 'manual' : 'follow';
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
    this.#limits = { ...requestLimits(options), ...(options.models ? { models: options.models } : {}) };
  }

  async rerank(body: RerankInput, options: RerankOptions = {}): Promise<RerankResponse> {
    this.#assertUsable();
    return this.rerankValidated(validateRerankRequest(body, this.#limits), options);
  }

  /** Sends a request its caller validated (a server's door in front of this client) without validating it again. */
  async rerankValidated(request: RerankRequest, options: RerankOptions = {}): Promise<RerankResponse> {
    this.#assertUsable();
    const payload = JSON.stringify(this.#wire.body(request));
    throwIfAborted(options.signal);

    options.onStart?.();
    for (let retry = 0; ; retry++) {
      const outcome = await this.#attempt(payload, request, options.signal, options.onPartial);
      if ('response' in outcome) return outcome.response;
      const { error, retryable, retryAfterMs } = outcome;
      if (!retryable || retry >= this.#policy.retries) throw error;
      if (retryAfterMs !== undefined && retryAfterMs > this.#policy.maxRetryDelayMs) throw error;
      await this.#wait(retryAfterMs ?? backoffDelay(retry, this.#policy), options.signal);
    }
  }

  /** Streams when the server offers it (`webrerank serve`); otherwise one item, the answer. */
  rerankStream(request: RerankInput, options: RerankOptions = {}): AsyncIterable<RerankStreamItem> {
    return streamRerank((body, withPartials) => this.rerank(body, withPartials), request, options);
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
  async #attempt(payload: string, request: RerankRequest, signal: AbortSignal | undefined, onPartial: RerankOptions['onPartial']): Promise<AttemptOutcome> {
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
    // Once partials were handed on, a retry would start the ranking over: the failure is final.
    const stream = { partials: 0 };
    const streaming = onPartial !== undefined && this.#wire.streams;
    const requestHeaders = streaming ? { ...this.#headers, Accept: 'text/event-stream, application/json;q=0.9' } : this.#headers;
    try {
      const response = await this.#fetch(this.#endpoint, { method: 'POST', headers: requestHeaders, body: payload, signal: controller.signal, redirect: this.#redirect });
      // A refused redirect: a 3xx as it is (Node), or an opaque one with status 0 (browsers).
      if (this.#redirect === 'manual' && (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400))) {
        void response.body?.cancel().catch(() => undefined);
        const which = response.status > 0 ? ` (HTTP ${response.status})` : '';
        return { error: new RerankError('network_error', `${this.#origin} answered with a redirect${which}, which is not followed.`, { status: 502 }), retryable: false };
      }
      status = response.status;
      headers = response.headers;
      if (streaming && response.ok && response.body && /^text\/event-stream\b/i.test(headers.get('content-type') ?? '')) {
        return await this.#readStream(response.body, request, onPartial, stream);
      }
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
      this.#assertUsable();
      const retryable = stream.partials === 0;
      if (timedOut) {
        return { error: new RerankError('timeout', `${this.#origin} did not answer within ${this.#timeoutMs} ms.`, { cause: error }), retryable };
      }
      const detail = this.#detailed ? `: ${describeFailure(error)}` : '';
      return { error: new RerankError('network_error', `Could not reach ${this.#origin}${detail}.`, { cause: error }), retryable };
    } finally {
      clearTimeout(timer);
      release();
    }

    if (status >= 200 && status < 300) return { response: this.#answer(text, request) };
    return errorFromAnswer(status, headers, text, this.#origin);
  }

  /**
   * Reads the server's events: each `partial` goes to `onPartial`, `done` is the answer, `error`
   * the failure. A malformed event is a typed error, and nothing is retried once partials came.
   */
  async #readStream(body: ReadableStream<Uint8Array>, request: RerankRequest, onPartial: NonNullable<RerankOptions['onPartial']>, stream: { partials: number }): Promise<AttemptOutcome> {
    let outcome: AttemptOutcome | undefined;
    await readEventStream(body, ({ event, data }) => {
      if (outcome) return;
      try {
        if (event === 'partial') {
          onPartial(this.#partial(data, request));
          stream.partials++;
        } else if (event === 'done') {
          outcome = { response: this.#answer(data, request) };
        } else if (event === 'error') {
          const failed = errorFromAnswer(errorStatusOf(data), new Headers(), data, this.#origin);
          outcome = 'error' in failed ? { ...failed, retryable: failed.retryable && stream.partials === 0 } : failed;
        }
      } catch (error) {
        outcome = { error: toRerankError(error), retryable: false };
      }
    });
    return outcome ?? { error: new RerankError('invalid_response', `${this.#origin} ended its event stream without an answer.`), retryable: stream.partials === 0 };
  }

  /** A `partial` event's ranking, checked as an answer's results are. */
  #partial(data: string, request: RerankRequest): RerankPartial {
    const json = this.#json(data) as { scored?: unknown; total?: unknown };
    const { results } = validateRerankResponse(json, request);
    if (typeof json.scored !== 'number' || typeof json.total !== 'number') {
      throw new RerankError('invalid_response', `${this.#origin} sent a partial ranking without its counts.`);
    }
    return { results, scored: json.scored, total: json.total, done: false };
  }

  #json(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw new RerankError('invalid_response', `${this.#origin} answered with something that is not JSON.`);
    }
  }

  /** Parses and checks a 2xx answer; a malformed one is a typed error and is not retried. */
  #answer(text: string, request: RerankRequest): RerankResponse {
    const json = this.#json(text);
    const response = this.#wire.parse(json, request);
    const warnings = warningsOf(json);
    return { ...response, meta: { ...response.meta, backend: 'remote', ...(warnings ? { warnings } : {}) } };
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
