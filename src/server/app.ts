/**
 * The HTTP face of webrerank: the hosted Rerank API and Cohere v1 (`POST /v1/rerank`), Cohere v2
 * (`POST /v2/rerank`) and TEI (`POST /rerank`) — each a dialect read into the one contract and
 * answered by the same `Reranker` (the in-process engine or a remote upstream) — plus a model
 * list, a health check, `GET /openapi.json` and, when given metrics, `GET /metrics`.
 *
 * Built on Hono with Web APIs only (Request, Response, streams, Web Crypto) — no node: imports — so
 * the same app runs under Node (see node-server.ts), Deno, Bun and edge runtimes.
 */
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { RerankError, isRerankError } from '../core/errors.js';
import { DEFAULT_MAX_DOCUMENTS, type RerankRequest, type RerankResponse } from '../core/contract.js';
import type { RerankFinal, RerankOptions, Reranker, RerankerInfo } from '../core/reranker.js';
import { eventStreamResponse, wantsEventStream } from './event-stream.js';
import { createApiKeyVerifier, type CallerId } from './auth.js';
import { BodyTooLargeError, DEFAULT_MAX_BODY_BYTES, readJsonBody } from './body.js';
import { webContentDecoders, type ContentDecoders } from './content-encoding.js';
import { DIALECTS, type Dialect } from './dialects/index.js';
import { hostedErrorBody } from './dialects/hosted-error.js';
import { resolveModel, type ModelAliases } from './model-aliases.js';
import type { ServerMetrics } from './observer.js';
import { openApiDocument } from './openapi.js';
import { QuotaLedger, type Quota } from './quota.js';
import { TokenBucketLimiter, type RateLimit } from './rate-limit.js';
import { BusyRetryAdvisor } from './retry-after.js';
import type { Health, ModelList } from './service-schemas.js';

export type { Quota } from './quota.js';
export type { RateLimit } from './rate-limit.js';
export type { ModelAliases } from './model-aliases.js';
export type { RequestEvent, RerankEvent, ServerMetrics } from './observer.js';
export { parseModelAliases } from './model-aliases.js';
export { DEFAULT_MAX_BODY_BYTES } from './body.js';
export type { ContentDecoder, ContentDecoders } from './content-encoding.js';

export interface ServerLimits {
  /** Largest request body in bytes (default 5 MB); larger → 413. */
  maxBodyBytes?: number;
  /** Most documents per request (default 1000); more → 400 `too_many_documents`. */
  maxDocuments?: number;
  /** Per-caller rate limit; exceeded → 429 with `Retry-After`. Default: none. */
  rateLimit?: RateLimit;
  /** Per-caller quota; exhausted → 402. Default: none. */
  quota?: Quota;
  /**
   * Most reranks running or waiting at once, over all callers (default 64); past it → 503
   * `server_busy` with `Retry-After`. The engine scores one request at a time, so without a cap a
   * burst would queue without end, holding every body in memory and answering minutes late.
   */
  maxPending?: number;
  /**
   * A fixed `Retry-After` in seconds for `server_busy`. Default: none — the wait follows the
   * queue (its expected drain time, varied per request; see retry-after.ts).
   */
  busyRetryAfterSeconds?: number;
}

export const DEFAULT_MAX_PENDING = 64;

export interface ServerAppOptions {
  /** What answers the requests. */
  reranker: Reranker;
  /** Accepted API keys (`Authorization: Bearer <key>`). None: the server is open. */
  auth?: { apiKeys: readonly string[] };
  limits?: ServerLimits;
  /** Origins allowed to call from a browser (`*` for any). Default: none (no CORS headers). */
  cors?: { origins: readonly string[] };
  /** Other names the served models answer to (alias → served id), e.g. a client's hard-wired default. */
  modelAliases?: ModelAliases;
  /** Where the server reports requests and reranks (e.g. `createPrometheusMetrics`). Default: nowhere. */
  metrics?: ServerMetrics;
  /** Serve `GET /metrics` on this app (default: when `metrics` is given). False when it has its own port. */
  metricsRoute?: boolean;
  /** Receives one line per request — method, path, status, milliseconds, request id — and unexpected errors. */
  log?: (line: string) => void;
  /**
   * Decoders for compressed bodies by `Content-Encoding`, added to the platform's own (gzip,
   * deflate, and br where its DecompressionStream has it). Node's server adds br from node:zlib.
   */
  contentDecoders?: ContentDecoders;
  /** The clock for rate limiting (tests). */
  now?: () => number;
}

/** What the app keeps per request: its id, the caller the API key identified, the dialect answering. */
export interface ServerEnv {
  Variables: { requestId: string; caller: CallerId; dialect: Dialect };
}

/** Seconds a client is asked to wait while the model is still loading. */
const LOADING_RETRY_AFTER_SECONDS = 2;

/**
 * Creates the app. Serve it with `app.fetch` on any runtime.
 *
 * @example
 * const app = createServerApp({ reranker: await createReranker({ modelPath }), auth: { apiKeys: ['sk-1'] } });
 * export default { fetch: app.fetch }; // an edge runtime's entry
 */
export function createServerApp(options: ServerAppOptions): Hono<ServerEnv> {
  const { reranker, limits = {}, metrics } = options;
  const log = options.log ?? (() => undefined);
  const verifier = createApiKeyVerifier(options.auth?.apiKeys ?? []);
  const limiter = limits.rateLimit ? new TokenBucketLimiter(limits.rateLimit, options.now) : undefined;
  const ledger = limits.quota ? new QuotaLedger(limits.quota) : undefined;
  const maxBodyBytes = limits.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxDocuments = limits.maxDocuments ?? DEFAULT_MAX_DOCUMENTS;
  const maxPending = limits.maxPending ?? DEFAULT_MAX_PENDING;
  const bodyOptions = { decoders: { ...webContentDecoders(), ...options.contentDecoders } };
  const aliases = options.modelAliases ?? {};
  const advisor = new BusyRetryAdvisor();
  const serveMetrics = metrics !== undefined && options.metricsRoute !== false;
  const routes = new Set(['/health', '/v1/models', '/openapi.json', ...DIALECTS.map((dialect) => dialect.path), ...(serveMetrics ? ['/metrics'] : [])]);
  let pending = 0;

  const app = new Hono<ServerEnv>();

  app.use(async (c, next) => {
    const started = performance.now();
    const requestId = crypto.randomUUID();
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    await next();
    const milliseconds = performance.now() - started;
    log(`${c.req.method} ${c.req.path} ${c.res.status} ${Math.round(milliseconds)}ms id=${requestId}`);
    metrics?.request({ route: routes.has(c.req.path) ? c.req.path : 'unmatched', dialect: c.get('dialect')?.name ?? 'none', status: c.res.status, seconds: milliseconds / 1000 });
  });

  if (options.cors && options.cors.origins.length > 0) {
    const origins = [...options.cors.origins];
    app.use(
      cors({
        origin: origins.includes('*') ? '*' : origins,
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type'],
        exposeHeaders: ['Retry-After', 'X-Request-Id'],
        maxAge: 600,
      }),
    );
  }

  app.get('/health', async (c) => {
    const info = await reranker.info();
    return c.json(healthBody(info), info.state === 'ready' ? 200 : 503);
  });

  const openApi = openApiDocument({ dialects: DIALECTS, metrics: serveMetrics, auth: (options.auth?.apiKeys.length ?? 0) > 0 });
  app.get('/openapi.json', (c) => c.json(openApi));

  if (serveMetrics) {
    app.get('/metrics', async (c) => c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType }));
  }

  for (const dialect of DIALECTS) {
    app.use(dialect.path, async (c, next) => {
      c.set('dialect', dialect);
      await next();
    });
  }

  // The API routes need a key (when keys are configured) and count against the rate limit.
  const requireKey = async (c: Context<ServerEnv>, next: () => Promise<void>) => {
    const caller = await verifier.identify(c.req.header('authorization'));
    if (caller === null) {
      return errorResponse(c, new RerankError('unauthorized', 'Missing or invalid API key. Send "Authorization: Bearer <key>".'));
    }
    const decision = limiter?.take(caller);
    if (decision && !decision.allowed) {
      return errorResponse(c, new RerankError('rate_limited', 'Too many requests for this API key; retry after the time in Retry-After.', { retryAfter: decision.retryAfterSeconds }));
    }
    c.set('caller', caller);
    await next();
    return undefined;
  };
  app.use('/v1/*', requireKey);
  app.use('/v2/*', requireKey);
  app.use('/rerank', requireKey);

  app.get('/v1/models', async (c) => {
    const { models } = await reranker.info();
    const ids = [...models, ...Object.keys(aliases).filter((alias) => !models.includes(alias))];
    const body: ModelList = { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'webrerank' })) };
    return c.json(body);
  });

  /** Runs one validated request through the queue, with its limits, metrics and Retry-After. */
  async function runRerank(c: Context<ServerEnv>, dialect: Dialect, request: RerankRequest, info: RerankerInfo, options: RerankOptions = {}): Promise<RerankResponse> {
    if (info.state === 'loading') {
      throw new RerankError('model_loading', 'The model is still loading; retry after the time in Retry-After.', { retryAfter: LOADING_RETRY_AFTER_SECONDS });
    }
    if (info.state === 'failed') throw new RerankError('model_load_failed', 'The model failed to load; the server log says why.');
    if (pending >= maxPending) {
      const retryAfter = limits.busyRetryAfterSeconds ?? advisor.advise(pending);
      throw new RerankError('server_busy', `The server already has ${pending} reranks running or waiting; retry after the time in Retry-After.`, { retryAfter });
    }
    const caller = c.get('caller');
    if (ledger && !ledger.charge(caller, request.documents.length)) {
      throw new RerankError('quota_exceeded', 'This API key has used up its quota.');
    }
    pending++;
    metrics?.queueDepth(pending);
    const queued = performance.now();
    let started: number | undefined;
    try {
      // The request's signal fires when the client goes away: the engine stops between batches.
      const response = await reranker.rerank(request, { ...options, signal: options.signal ?? c.req.raw.signal, onStart: () => (started = performance.now()) });
      const finished = performance.now();
      const began = started ?? queued;
      advisor.recordService((finished - began) / 1000);
      metrics?.rerank({ dialect: dialect.name, queueSeconds: (began - queued) / 1000, inferenceSeconds: (finished - began) / 1000, documents: request.documents.length, tokens: response.usage.total_tokens });
      return response;
    } catch (error) {
      ledger?.refund(caller, request.documents.length);
      throw error;
    } finally {
      pending--;
      metrics?.queueDepth(pending);
    }
  }

  for (const dialect of DIALECTS) {
    app.post(dialect.path, async (c) => {
      const body = await readJsonBody(c.req.raw, maxBodyBytes, bodyOptions);
      const info = await reranker.info();
      const read = dialect.read(body, { models: info.models, maxDocuments, resolveModel: (name) => resolveModel(aliases, name) });
      if (dialect.name === 'hosted' && wantsEventStream(c.req.header('accept'))) {
        const rendering = { render: (final: RerankFinal) => read.render(final, { requestId: c.get('requestId') }), errorBody: (error: unknown) => dialect.errorBody(shownFailure(c, error)).body };
        return eventStreamResponse(c, (request, withPartials) => runRerank(c, dialect, request, info, withPartials), read.request, rendering);
      }
      const response = await runRerank(c, dialect, read.request, info);
      return c.json(read.render(response, { requestId: c.get('requestId') }) as object);
    });
    app.all(dialect.path, (c) => {
      c.header('Allow', 'POST');
      return errorResponse(c, new RerankError('invalid_request', `Use POST for ${dialect.path}, not ${c.req.method}.`, { status: 405 }));
    });
  }

  app.notFound((c) => errorResponse(c, new RerankError('invalid_request', `No route for ${c.req.method} ${c.req.path}.`, { status: 404 })));

  /** The client gets a generic message for a surprise; the operator gets the real one. */
  function shownFailure(c: Context<ServerEnv>, error: unknown): RerankError {
    if (!isRerankError(error) || error.code === 'internal_error') log(`error on ${c.req.method} ${c.req.path} id=${c.get('requestId')}: ${describeInternally(error)}`);
    return publicError(error);
  }

  app.onError((error, c) => errorResponse(c, shownFailure(c, error)));

  return app;
}

/** `/health`'s body: the state, and what serves once ready. No error details: they may hold paths. */
function healthBody(info: RerankerInfo): Health {
  const body: Health = { status: info.state, models: info.models };
  if (info.backend !== null) body.backend = info.backend;
  if (info.dtype !== null) body.dtype = info.dtype;
  return body;
}

/** The error body and status (and `Retry-After`) for a RerankError, in the answering dialect's shape. */
function errorResponse(c: Context<ServerEnv>, error: RerankError): Response {
  if (error.retryAfter !== undefined) c.header('Retry-After', String(error.retryAfter));
  // After an oversized body the connection is closed: one left partly unread can't carry another
  // request, and even a drained one was seen reused by Node's fetch and cohere-ai for a next upload
  // that @hono/node-server's own clean-up then cut (ECONNRESET). The client has finished sending
  // by then (the body was drained), so it reads the 413 and reconnects.
  if (error instanceof BodyTooLargeError) c.header('Connection', 'close');
  const dialect = c.get('dialect') as Dialect | undefined;
  const { status, body } = dialect ? dialect.errorBody(error) : hostedErrorBody(error);
  return c.body(JSON.stringify(body), status as 400, { 'Content-Type': 'application/json' });
}

/**
 * What a client may see of a failure. Our own 4xx errors and typed 5xx errors pass as they are;
 * anything unexpected becomes a generic 500 (its message may hold paths or internals), a failed
 * model load says so without the loader's words, and an upstream's refusal of *this server's*
 * credentials is not passed on as the client's 401.
 */
function publicError(error: unknown): RerankError {
  if (!isRerankError(error)) return new RerankError('internal_error', 'Internal server error.');
  switch (error.code) {
    case 'internal_error':
      return new RerankError('internal_error', 'Internal server error.');
    case 'model_load_failed':
      return new RerankError('model_load_failed', 'The model failed to load; the server log says why.');
    case 'model_load_stalled':
      return new RerankError('model_load_stalled', 'The model stopped loading (no progress); the server log says why.');
    case 'unauthorized':
      return new RerankError('model_unavailable', "The upstream service refused this server's credentials.");
    default:
      return error;
  }
}

function describeInternally(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
