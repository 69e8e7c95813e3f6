/**
 * The HTTP face of webrerank: the hosted Rerank API and Cohere v1 (`POST /v1/rerank`), Cohere v2
 * (`POST /v2/rerank`) and TEI (`POST /rerank`) — each a dialect read into the one contract and
 * answered by the same `Reranker` (the in-process engine or a remote upstream) — plus a model
 * list, health checks (`/health`, `/health/live`, `/health/ready`), the caller's own usage
 * (`GET /v1/usage`), `GET /openapi.json` and, when given metrics, `GET /metrics`. Limits, quotas and
 * usage live in a {@link LimitsStore}: this process's memory, or one shared by replicas.
 *
 * Built on Hono with Web APIs only (Request, Response, streams, Web Crypto) — no node: imports — so
 * the same app runs under Node (see node-server.ts), Deno, Bun and edge runtimes.
 */
import { Hono, type Context } from 'hono';
import { RerankError, excerpt, isRerankError } from '../core/errors.js';
import { describeInternally, publicError } from './public-error.js';
import { DEFAULT_MAX_DOCUMENTS, requestLimits, type RequestLimits, type RerankRequest } from '../core/contract.js';
import type { RerankFinal, RerankOptions, Reranker } from '../core/reranker.js';
import { eventStreamResponse, wantsEventStream } from './event-stream.js';
import { AuthFailureLimiter } from './auth-failures.js';
import { createApiKeyVerifier, type ApiKeyEntry, type Caller, type Sha256 } from './auth.js';
import { createKeyGate } from './key-gate.js';
import { corsFor } from './cors.js';
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from './body.js';
import { BODY_ITEMS_PER_DOCUMENT } from './json-shape.js';
import type { LoadStatus } from './load-retry.js';
import { healthBody } from './health.js';
import { webContentDecoders, type ContentDecoders } from './content-encoding.js';
import { DIALECTS, type Dialect } from './dialects/index.js';
import { errorResponse } from './error-response.js';
import { modelList, resolveModel, type ModelAliases } from './model-aliases.js';
import type { ServerMetrics } from './observer.js';
import { openApiDocument } from './openapi.js';
import { createKeyLimits } from './key-limits.js';
import { MemoryLimitsStore, type LimitsStore } from './limits-store.js';
import { checkQuota, type Quota } from './quota.js';
import { createRerankRunner } from './rerank-runner.js';
import { burstOf, type RateLimit } from './rate-limit.js';
import { readinessRoutes } from './readiness.js';
import { markStandin } from './warning-header.js';

export type { Quota } from './quota.js';
export type { ApiKeyEntry } from './auth.js';
export { MemoryLimitsStore, type LimitsStore, type UsageCounts } from './limits-store.js';
export type { RateLimit } from './rate-limit.js';
export type { ModelAliases } from './model-aliases.js';
export type { RequestEvent, RerankEvent, ServerMetrics } from './observer.js';
export { parseModelAliases } from './model-aliases.js';
export { DEFAULT_MAX_BODY_BYTES } from './body.js';
export type { ContentDecoder, ContentDecoders } from './content-encoding.js';

/** What the server accepts; its request limits (documents, characters) are checked once, at the door. */
export interface ServerLimits extends RequestLimits {
  /** Largest request body in bytes (default 5 MB); larger → 413. */
  maxBodyBytes?: number;
  /** Per-caller rate limit (a key's own, from a keys file, wins); exceeded → 429 with `Retry-After`. Default: none. */
  rateLimit?: RateLimit;
  /** Wrong keys per client address (`clientAddress`), then 429 (default 20 at once, 1/s). `false`: none. */
  authFailures?: RateLimit | false;
  /** Per-caller quota (a key's own wins), in requests and scoring windows, counted from the key's first request; exhausted → 402. Default: none. */
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
  /**
   * Accepted API keys (`Authorization: Bearer <key>`): plain keys, or entries with a name, digest and
   * own limits. None: the server is open. `sha256`: the runtime's own SHA-256, where it is cheaper
   * than WebCrypto's (the default).
   */
  auth?: { apiKeys: readonly (string | ApiKeyEntry)[]; sha256?: Sha256 };
  limits?: ServerLimits;
  /** Where limits, quotas and usage are kept (default: this process's memory). */
  store?: LimitsStore;
  /** When the store can't be reached: 503 `limits_unavailable` (`closed`, default: none runs uncounted) or serve unlimited and log (`open`). */
  storeFailure?: 'closed' | 'open';
  /** True once the server is shutting down: readiness turns false and new reranks get 503 `shutting_down`. */
  draining?: () => boolean;
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
  /** The client's address, for limiting failed keys (Node's server: the peer). None: not limited. */
  clientAddress?: (c: Context<ServerEnv>) => string | undefined;
  /** Lets a rerank's settle finish after its answer; Node's server passes one that its drain waits for. None: the answer waits for it. */
  waitUntil?: (work: Promise<void>) => void;
  /** The clock for rate limiting (tests). */
  now?: () => number;
  /** Where loading the model stands (tries, next retry), for `/health` and the 503 while it fails. */
  loadStatus?: () => LoadStatus;
}

/** What the app keeps per request: its id, the caller the API key identified, the dialect answering. */
export interface ServerEnv {
  Variables: { requestId: string; caller: Caller; dialect: Dialect };
}

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
  const verifier = createApiKeyVerifier(options.auth?.apiKeys ?? [], options.auth?.sha256);
  if (limits.rateLimit) burstOf(limits.rateLimit);
  if (limits.quota) checkQuota(limits.quota);
  const store = options.store ?? new MemoryLimitsStore(options.now);
  const draining = options.draining ?? (() => false);
  const keyLimits = createKeyLimits({ store, ...limits, storeFailure: options.storeFailure ?? 'closed', log, now: options.now ?? Date.now });
  const authFailures = limits.authFailures === false ? undefined : new AuthFailureLimiter(limits.authFailures, options.now);
  const gate = createKeyGate(verifier, (caller) => keyLimits.take(caller), authFailures);
  const maxBodyBytes = limits.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const requestSize = requestLimits(limits);
  const maxPending = limits.maxPending ?? DEFAULT_MAX_PENDING;
  const bodyOptions = { decoders: { ...webContentDecoders(), ...options.contentDecoders }, maxItems: BODY_ITEMS_PER_DOCUMENT * (requestSize.maxDocuments ?? DEFAULT_MAX_DOCUMENTS) };
  const aliases = options.modelAliases ?? {};
  const serveMetrics = metrics !== undefined && options.metricsRoute !== false;
  const routes = new Set(['/health', '/health/live', '/health/ready', '/v1/models', '/v1/usage', '/openapi.json', ...DIALECTS.map((dialect) => dialect.path), ...(serveMetrics ? ['/metrics'] : [])]);
  const runRerank = createRerankRunner({ reranker, keyLimits, maxPending, busyRetryAfterSeconds: limits.busyRetryAfterSeconds, draining, metrics, loadStatus: options.loadStatus, waitUntil: options.waitUntil });
  let inFlight = 0;

  const app = new Hono<ServerEnv>();

  app.use(async (c, next) => {
    metrics?.inFlight(++inFlight);
    const started = performance.now();
    const requestId = crypto.randomUUID();
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      metrics?.inFlight(--inFlight);
    }
    const milliseconds = performance.now() - started;
    log(`${c.req.method} ${c.req.path} ${c.res.status} ${Math.round(milliseconds)}ms id=${requestId}`);
    metrics?.request({ route: routes.has(c.req.path) ? c.req.path : 'unmatched', dialect: c.get('dialect')?.name ?? 'none', status: c.res.status, seconds: milliseconds / 1000, key: c.get('caller')?.id ?? 'none' });
  });

  if (options.cors && options.cors.origins.length > 0) app.use(corsFor(options.cors.origins));

  app.get('/health', async (c) => {
    const info = await reranker.info();
    return c.json(healthBody(info, options.loadStatus?.()), info.state === 'ready' ? 200 : 503);
  });

  app.route('/health', readinessRoutes({ reranker, store, draining }));

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

  // The API routes need a key (when keys are configured) and count against the rate limit; a rerank's token is taken with its charge (runRerank).
  const requireKey = async (c: Context<ServerEnv>, next: () => Promise<void>) => {
    const caller = await gate.admit(c.req.header('authorization'), options.clientAddress?.(c), !(c.req.method === 'POST' && c.get('dialect') !== undefined));
    if (caller instanceof RerankError) {
      // The Node adapter closes a connection whose body went unread: say so, or a client reuses it.
      if (c.req.raw.body !== null) c.header('Connection', 'close');
      return errorResponse(c, caller);
    }
    c.set('caller', caller);
    await next();
    return undefined;
  };
  for (const path of ['/v1/*', '/v2/*', '/rerank']) app.use(path, requireKey);

  app.get('/v1/models', async (c) => c.json(modelList(await reranker.info(), aliases)));

  app.get('/v1/usage', async (c) => c.json(await keyLimits.report(c.get('caller'))));

  for (const dialect of DIALECTS) {
    app.post(dialect.path, async (c) => {
      const body = await readJsonBody(c.req.raw, maxBodyBytes, bodyOptions);
      const info = await reranker.info();
      markStandin(c, info.standin);
      const read = dialect.read(body, { models: info.models, limits: requestSize, resolveModel: (name) => resolveModel(aliases, name) });
      const call = { caller: c.get('caller'), dialect, request: read.request, info, signal: c.req.raw.signal };
      if (dialect.name === 'hosted' && wantsEventStream(c.req.header('accept'))) {
        // The `done` event is rendered once the run has settled, so it carries the windows billed.
        let windows: number | undefined;
        const run = async (request: RerankRequest, withPartials: RerankOptions) => ({ windows } = await runRerank({ ...call, request, options: withPartials })).response;
        const rendering = { render: (final: RerankFinal) => read.render(final, { requestId: c.get('requestId'), windows: windows ?? final.results.length }), errorBody: (error: unknown) => dialect.errorBody(shownFailure(c, error)).body };
        return eventStreamResponse(c, run, read.request, rendering);
      }
      const { response, windows } = await runRerank(call);
      // An upstream's answer says it came from a stand-in where info() can't.
      markStandin(c, info.standin, response);
      return c.json(read.render(response, { requestId: c.get('requestId'), windows }) as object);
    });
    app.all(dialect.path, (c) => {
      c.header('Allow', 'POST');
      return errorResponse(c, new RerankError('invalid_request', `Use POST for ${dialect.path}, not ${excerpt(c.req.method)}.`, { status: 405 }));
    });
  }

  app.notFound((c) => errorResponse(c, new RerankError('invalid_request', `No route for ${excerpt(c.req.method)} ${excerpt(c.req.path)}.`, { status: 404 })));

  /** The client gets a generic message for a surprise; the operator gets the real one. */
  function shownFailure(c: Context<ServerEnv>, error: unknown): RerankError {
    if (!isRerankError(error) || error.code === 'internal_error') log(`error on ${c.req.method} ${c.req.path} id=${c.get('requestId')}: ${describeInternally(error)}`);
    return publicError(error);
  }

  app.onError((error, c) => errorResponse(c, shownFailure(c, error)));

  return app;
}
