/**
 * Runs the server app under Node: builds the reranker (the engine in a worker thread, loading in
 * the background so `/health` says `loading` then `ready`, or a remote upstream), listens, and
 * shuts down cleanly — on {@link RunningServer.drain}, after the requests in flight are answered.
 * `webrerank serve` is a thin layer of flags over {@link startServer}.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { createReranker, type NodeRerankerOptions } from '../../node/create-node-reranker.js';
import { createRemoteReranker, type RemoteRerankerOptions } from '../../remote/remote-reranker.js';
import { messageOf } from '../../core/errors.js';
import { DEFAULT_MODEL_ID } from '../../core/models.js';
import { requestLimits } from '../../core/request-limits.js';
import type { Reranker } from '../../core/reranker.js';
import { createServerApp, type ApiKeyEntry, type LimitsStore, type ModelAliases, type ServerLimits } from '../app.js';
import { createPrometheusMetrics } from './metrics.js';
import { NODE_CONTENT_DECODERS } from './node-decoders.js';
import { isRetryableLoadFailure, retryDelay, type LoadRetryOptions, type LoadStatus } from '../load-retry.js';
import { openLimitsStore } from './open-store.js';
import { FLUSH_GRACE_MS, closeServer, listen, urlOf } from './listen.js';
import { clientAddressOf, trustedProxySet } from '../client-address.js';
import { withServedModel } from '../../node/model-folder.js';

export interface NodeServerOptions {
  /** Port to listen on (default 8080; 0 picks a free one). */
  port?: number;
  /** Address to bind (default 127.0.0.1: reachable from this machine only). */
  host?: string;
  /**
   * Run the model in this process (the default, with these options) — in a worker thread of its
   * own unless `inWorker: false`, so that inference never holds the event loop that answers
   * `/health` and the other requests ...
   */
  engine?: Omit<NodeRerankerOptions, 'preload'>;
  /**
   * How a model load that failed for a passing reason (the hub unreachable, a download cut off)
   * is tried again: capped, jittered exponential backoff (default from 5 s up to 5 minutes).
   * `false`: never; the server stays failed.
   */
  loadRetry?: LoadRetryOptions | false;
  /**
   * ... or forward every request to an upstream `/v1/rerank` (or TEI) server. Unless set here,
   * its errors name it {@link DEFAULT_UPSTREAM_LABEL} (never its address) and its redirects are
   * refused (502), so clients' documents and the upstream key go nowhere else.
   */
  upstream?: RemoteRerankerOptions;
  /** Accepted API keys: plain, or entries of a keys file. None: the server is open. */
  apiKeys?: readonly (string | ApiKeyEntry)[];
  /**
   * Where limits, quotas and usage are kept: `memory`, `sqlite:PATH`, `redis://…`, or a store.
   * Default: a SQLite file in the working directory when a quota is set, else memory.
   */
  store?: string | LimitsStore;
  /** When the store is unreachable: refuse reranks with 503 (`closed`, default) or serve them (`open`). */
  storeFailure?: 'closed' | 'open';
  /** Origins allowed to call from a browser. */
  cors?: readonly string[];
  /**
   * What the server accepts. Its request limits (`maxDocuments`, `maxDocumentCharacters`,
   * `maxTotalCharacters`; else those of `engine` or `upstream`) hold end to end: the door validates
   * with them, and the engine (or upstream client) behind is built with the same object and handed
   * the validated request, so a request the door accepts is never refused further in.
   */
  limits?: ServerLimits;
  /** Other names the served models answer to (alias → served id). */
  modelAliases?: ModelAliases;
  /**
   * Prometheus metrics on `GET /metrics` (default: on, next to the API, without a key). `false`
   * turns them off; `{ port }` serves them on their own port instead (same host).
   */
  metrics?: boolean | { port: number };
  /**
   * Addresses of reverse proxies in front of the server: a request from one is limited by the
   * client its `X-Forwarded-For` names (failed keys are limited per client address), not by the
   * proxy's address. Default: none — the socket's peer is the client.
   */
  trustedProxies?: readonly string[];
  /** Receives the per-request log lines (default: stdout). */
  log?: (line: string) => void;
}

export interface RunningServer {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  port: number;
  /** The id the local model is served as (a stand-in's own when its folder was given without one); absent with an upstream. */
  model?: string;
  /** Where `GET /metrics` is served, when metrics are on. */
  metricsUrl?: string;
  reranker: Reranker;
  /** Settles when the model has loaded (or failed to); at once for an upstream. */
  ready: Promise<void>;
  /** Where limits, quotas and usage are kept. */
  store: LimitsStore;
  /**
   * Stops taking work, for a rolling deploy: `/health/ready` turns 503, new reranks get 503
   * `shutting_down` with Retry-After, the requests in flight are answered (for up to `timeoutMs`),
   * then the server closes. Resolves with how many requests were still unanswered (0 normally).
   */
  drain(timeoutMs: number): Promise<number>;
  /** Stops listening, drops open connections and frees the model. */
  close(): Promise<void>;
}

/** How errors name an upstream when no label is configured. */
export const DEFAULT_UPSTREAM_LABEL = 'the upstream service';

/** Default port, as documented in `webrerank serve --help`. */
export const DEFAULT_PORT = 8080;
/** Default bind address: loopback, so an open (keyless) server is not exposed by accident. */
export const DEFAULT_HOST = '127.0.0.1';

/**
 * Starts the server; resolves once it is listening (the model may still be loading).
 *
 * @example
 * const server = await startServer({ engine: { modelPath: './models/bge' }, apiKeys: ['sk-1'], port: 0 });
 * await server.ready;
 * console.log(`${server.url}/v1/rerank`);
 */
export async function startServer(options: NodeServerOptions = {}): Promise<RunningServer> {
  if (options.engine && options.upstream) throw new TypeError('Give either engine (a local model) or upstream, not both.');
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));

  // One limit for the door and what stands behind it: the HTTP app refuses past it, and the engine
  // (or the upstream client) must not refuse, with a default of its own, what the door let in.
  const requestSize = { ...requestLimits(options.engine ?? options.upstream ?? {}), ...requestLimits(options.limits ?? {}) };
  // Nothing loads yet: a port in use must fail at once, not after the model has loaded.
  const local = options.upstream ? undefined : await withServedModel(options.engine ?? {});
  const engine = local && (await createReranker({ ...local, ...requestSize, inWorker: local.inWorker ?? true, preload: false }));
  const reranker: Reranker = engine ?? createRemoteReranker({ label: DEFAULT_UPSTREAM_LABEL, redirects: 'refuse', ...(options.upstream as RemoteRerankerOptions), ...requestSize });
  const apiKeys = options.apiKeys ?? [];
  const quotas = options.limits?.quota !== undefined || apiKeys.some((key) => typeof key !== 'string' && key.quota !== undefined);
  const store = typeof options.store === 'object' ? options.store : await openLimitsStore(options.store, { quotas, log });
  let draining = false;
  let active = 0;
  let settled: (() => void) | undefined;
  // Counts requests being answered and the work they leave behind (a settle after the answer),
  // so a drain knows when the last one is done.
  const track = async <T>(work: Promise<T>): Promise<T> => {
    active++;
    try {
      return await work;
    } finally {
      active--;
      if (active === 0) settled?.();
    }
  };

  const trustedProxies = trustedProxySet(options.trustedProxies);
  const loadStatus: LoadStatus = { attempts: 0 };
  const metricsOption = options.metrics ?? true;
  const metrics = metricsOption === false ? undefined : createPrometheusMetrics({ reranker });
  const metricsPort = typeof metricsOption === 'object' ? metricsOption.port : undefined;
  const app = createServerApp({
    reranker,
    auth: { apiKeys, sha256: nodeSha256 },
    store,
    ...(options.storeFailure ? { storeFailure: options.storeFailure } : {}),
    draining: () => draining,
    waitUntil: (work) => void track(work),
    limits: { ...options.limits, ...requestSize },
    ...(options.cors ? { cors: { origins: options.cors } } : {}),
    ...(options.modelAliases ? { modelAliases: options.modelAliases } : {}),
    ...(metrics ? { metrics, metricsRoute: metricsPort === undefined } : {}),
    contentDecoders: NODE_CONTENT_DECODERS,
    clientAddress: (c) => clientAddressOf((c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for') ?? null, trustedProxies),
    ...(engine ? { loadStatus: () => loadStatus } : {}),
    log,
  });

  const host = options.host ?? DEFAULT_HOST;
  // The adapter's env (the Node request, for the client's address) is passed on.
  const tracked = (request: Request, env?: unknown): Promise<Response> => track(Promise.resolve(app.fetch(request, env)));
  const main = await listen(tracked, options.port ?? DEFAULT_PORT, host).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const servers = [main.server];
  const url = urlOf(main.address);
  let metricsUrl = metrics ? `${url}/metrics` : undefined;
  if (metrics && metricsPort !== undefined) {
    // Its own port: operators scrape it from inside their network, the API port faces clients.
    const metricsApp = new Hono().get('/metrics', async (c) => c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType }));
    const side = await listen(metricsApp.fetch, metricsPort, host).catch(async (error: unknown) => {
      await closeServer(main.server);
      throw error;
    });
    servers.push(side.server);
    metricsUrl = `${urlOf(side.address)}/metrics`;
  }
  // Loading starts once listening, and the state is 'loading' from here on: requests get 503 until
  // ready. A load that failed for a passing reason (the network) is tried again, later each time.
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const attempt = (): Promise<void> => {
    loadStatus.attempts++;
    delete loadStatus.nextRetryAt;
    return (engine as NonNullable<typeof engine>).load().then(
      () => log('model loaded'),
      (error: unknown) => {
        const from = options.engine?.modelPath !== undefined ? ` from ${options.engine.modelPath}` : '';
        log(`model failed to load${from}: ${messageOf(error)}`);
        if (closed || options.loadRetry === false || !isRetryableLoadFailure(error)) return;
        const delay = retryDelay(loadStatus.attempts, options.loadRetry);
        loadStatus.nextRetryAt = Date.now() + delay;
        log(`trying to load the model again in ${Math.ceil(delay / 1000)} s (attempt ${loadStatus.attempts + 1})`);
        retryTimer = setTimeout(() => void attempt(), delay);
      },
    );
  };
  const ready = engine ? attempt() : Promise.resolve();

  async function close(graceMs = 0): Promise<void> {
    closed = true;
    clearTimeout(retryTimer);
    await Promise.all(servers.map((server) => closeServer(server, graceMs)));
    await reranker.dispose();
    await store.close();
  }

  return {
    url,
    port: main.address.port,
    ...(local ? { model: local.model ?? DEFAULT_MODEL_ID } : {}),
    ...(metricsUrl !== undefined ? { metricsUrl } : {}),
    reranker,
    ready,
    store,
    async drain(timeoutMs) {
      draining = true;
      if (active > 0) {
        const allAnswered = new Promise<void>((resolve) => (settled = resolve));
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([allAnswered, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
        clearTimeout(timer);
      }
      const unanswered = active;
      await close(unanswered === 0 ? FLUSH_GRACE_MS : 0);
      return unanswered;
    },
    close,
  };
}

/**
 * The API keys to accept: `WEBRERANK_API_KEYS` (comma-separated) and, when given, a file with one
 * key per line (blank lines and `#` comments skipped). Duplicates are dropped.
 */
export async function loadApiKeys(env: Record<string, string | undefined>, file?: string): Promise<string[]> {
  const keys = (env.WEBRERANK_API_KEYS ?? '').split(',');
  if (file !== undefined) keys.push(...(await readFile(file, 'utf8')).split(/\r?\n/).filter((line) => !line.trimStart().startsWith('#')));
  return [...new Set(keys.map((key) => key.trim()).filter((key) => key !== ''))];
}

/** node:crypto's SHA-256: synchronous and ~10× cheaper than WebCrypto's, and every request with a key takes one. */
function nodeSha256(text: string): Uint8Array {
  return createHash('sha256').update(text, 'utf8').digest();
}
