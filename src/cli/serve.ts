/**
 * `webrerank serve`: the hosted Rerank API over HTTP, answered by a local model or forwarded to an
 * upstream. Flags win over environment variables; errors go to stderr as the server's JSON error
 * body, like `webrerank rank`.
 */
import { MODEL_FLAGS, modelFlagsHelp, modelOptionsFromFlags } from './options.js';
import { UsageError, integerFlag, oneOf, parseFlags } from './usage.js';
import { standinWarner } from './standin-warning.js';
import { resolve } from 'node:path';
import { DEFAULT_CLI_BACKEND } from './choices.js';
import { candidateDtypes } from '../node/backend-plan.js';
import { checkModelFolder } from '../node/model-folder.js';
import { toRerankError, type RerankError } from '../core/errors.js';
import { DEFAULT_MODEL_ID } from '../core/models.js';
import { DEFAULT_MAX_PENDING, parseModelAliases } from '../server/app.js';
import { DEFAULT_MAX_BODY_BYTES } from '../server/body.js';
import { DEFAULT_HOST, DEFAULT_PORT, startServer, type NodeServerOptions, type RunningServer } from '../server/node/node-server.js';
import { serveKeys } from './serve-keys.js';
import { SERVE_LIMIT_FLAGS, limitsFrom, trustedProxiesFrom } from './serve-limits.js';
import type { ApiKeyEntry } from '../server/auth.js';
import { DEFAULT_SQLITE_FILE, redactUrl } from '../server/node/open-store.js';
import { StoreOpenError } from '../server/node/sqlite-store.js';

const HELP = `Usage: webrerank serve [options]

Answers POST /v1/rerank exactly as the hosted Rerank API does (and Cohere v1), POST /v2/rerank as
Cohere v2, POST /rerank as Text Embeddings Inference; plus GET /v1/models, GET /v1/usage (the
caller's own usage and quota left), GET /health, GET /health/live, GET /health/ready,
GET /openapi.json and GET /metrics (Prometheus).

Where ranking runs (default: the model in this process, in a worker thread of its own):
${modelFlagsHelp(DEFAULT_MODEL_ID, 26)}
  --in-process              run the model on the main thread instead: each batch then holds
                            the event loop (GET /health, other requests) while it runs
  --upstream URL            instead, forward to this /v1/rerank server with WEBRERANK_UPSTREAM_KEY
  --upstream-protocol P     rerank (default) or tei (Text Embeddings Inference's /rerank)
  --upstream-label NAME     how errors name the upstream to clients (default "the upstream
                            service"; never its address); its redirects are refused (502)
  --model-alias A=ID        let clients ask for model A and get ID (repeat), e.g.
                            rerank-english-v2.0=BAAI/bge-reranker-v2-m3

Listening:
  --port N                  port (default ${DEFAULT_PORT}; 0 picks a free one)
  --host ADDR               address to bind (default ${DEFAULT_HOST}: this machine only)
  --cors ORIGIN             let pages from ORIGIN call the API (repeat or comma-separate; * for any)
  --metrics-port N          serve GET /metrics on this port instead of the API's
  --no-metrics              no GET /metrics at all

Access (keys are never logged):
  --keys FILE               keys file: one JSON line per key with its name, SHA-256 and own limits
                            (see 'webrerank keys add')  [WEBRERANK_KEYS_FILE]
  --api-keys-file FILE      accepted API keys, one per line; added to WEBRERANK_API_KEYS (comma-separated)
                            Without any key the server is open to whoever can reach it; a file
                            or WEBRERANK_API_KEYS that holds no key is refused (exit 2)
  --open                    serve without keys although a keys source is given, on purpose

Limits, per API key (environment variable in brackets):
  --rate-limit N            requests per second, then 429 with Retry-After  [WEBRERANK_RATE_LIMIT]
  --rate-burst N            requests allowed at once (default: one second's worth)  [WEBRERANK_RATE_BURST]
  --quota-requests N        requests per key, then 402  [WEBRERANK_QUOTA_REQUESTS]
  --quota-documents N       scoring windows per key, then 402: a document is one, a long one cut
                            by max_chunks_per_doc one per piece  [WEBRERANK_QUOTA_DOCUMENTS]
                            A key's own rate, burst and quotas in the keys file win over these.
  --max-body-bytes N        largest request body, then 413 (default ${DEFAULT_MAX_BODY_BYTES})  [WEBRERANK_MAX_BODY_BYTES]
  --max-documents N         most documents per request (default 1000)
  --max-document-characters N
                            longest query or document in characters, then 413 (default 5242880)
  --max-total-characters N  most characters of query and documents together, then 413
                            (default 5242880)

Limits, for the whole server:
  --max-pending N           most reranks running or waiting at once, then 503 with Retry-After
                            (default ${DEFAULT_MAX_PENDING})  [WEBRERANK_MAX_PENDING]
  --busy-retry-after N      a fixed Retry-After (seconds) on that 503 (default: the queue's
                            expected wait, varied per request, so refused clients return spread out)

Limits, per client address:
  --auth-failure-rate N     wrong API keys per second from one address once its burst is spent,
                            then 429 with Retry-After (default 1; 0 turns the limit off)  [WEBRERANK_AUTH_FAILURE_RATE]
  --auth-failure-burst N    wrong API keys from one address at once (default 20)  [WEBRERANK_AUTH_FAILURE_BURST]
  --trusted-proxy ADDR      a reverse proxy in front of the server (repeat or comma-separate): a
                            request from ADDR counts against the client its X-Forwarded-For names,
                            not against the proxy  [WEBRERANK_TRUSTED_PROXIES]

Where limits, quotas and usage are kept:
  --store URL               memory, sqlite:PATH or redis://HOST:PORT (shared by replicas)
                            (default: sqlite:${DEFAULT_SQLITE_FILE} when a quota is set, else memory)  [WEBRERANK_STORE]
  --store-failure MODE      when the store is unreachable: closed (default) answers reranks with
                            503 limits_unavailable; open serves them without limits and logs  [WEBRERANK_STORE_FAILURE]

Stopping: on SIGTERM or Ctrl-C (SIGINT) GET /health/ready turns 503, new reranks get 503 with
Retry-After, the requests in flight are answered, then the server exits (0).
  --drain-timeout N         seconds to wait for the requests in flight (default 30)
`;

const SERVE_FLAGS = {
  ...MODEL_FLAGS,
  upstream: { type: 'string' },
  'upstream-protocol': { type: 'string' },
  'upstream-label': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  cors: { type: 'string', multiple: true },
  'model-alias': { type: 'string', multiple: true },
  'metrics-port': { type: 'string' },
  'no-metrics': { type: 'boolean' },
  'api-keys-file': { type: 'string' },
  open: { type: 'boolean' },
  keys: { type: 'string' },
  store: { type: 'string' },
  'store-failure': { type: 'string' },
  'drain-timeout': { type: 'string' },
  ...SERVE_LIMIT_FLAGS,
  'in-process': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseFlags<typeof SERVE_FLAGS>>['values'];

/**
 * Runs the server until SIGINT/SIGTERM; resolves with the exit code. Usage errors are thrown
 * (cli.ts prints them); a port in use is exit code 1, before any model loads.
 */
export async function serve(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const { values } = parseFlags(argv, SERVE_FLAGS);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const apiKeys = await serveKeys(values, env);
  const options = serverOptions(values, env, apiKeys);
  await checkModelPathFlag(options.engine);
  const drainSeconds = values['drain-timeout'] !== undefined ? integerFlag('--drain-timeout', values['drain-timeout'], 0) : DEFAULT_DRAIN_SECONDS;

  try {
    const server = await startServer(options).catch((error: unknown) => {
      if (error instanceof StoreOpenError) {
        process.stderr.write(`webrerank serve: ${error.message}\n`);
        return undefined;
      }
      if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
      process.stderr.write(`webrerank serve: port ${options.port ?? DEFAULT_PORT} is in use on ${options.host ?? DEFAULT_HOST}; stop what holds it or pick another with --port.\n`);
      return undefined;
    });
    if (!server) return 1;
    // One write, so whoever reads the banner from a pipe gets it whole.
    process.stdout.write(`${startupLines(server, options, apiKeys.length, server.store.kind).join('\n')}\n`);
    if (apiKeys.length === 0 && !isLoopback(options.host ?? DEFAULT_HOST)) {
      process.stderr.write(`WARNING: no API keys are configured and ${options.host} is reachable from other machines: anyone there can use this server.\n`);
    }
    // The model loads in the background: once it has, say so if it is a stand-in.
    void server.ready.then(async () => standinWarner()((await server.reranker.info()).standin));
    const signal = await stopSignal();
    process.stdout.write(`${signal}: draining (GET /health/ready answers 503; up to ${drainSeconds} s for the requests in flight)\n`);
    const unanswered = await server.drain(drainSeconds * 1000);
    process.stdout.write(unanswered === 0 ? 'drained; stopped\n' : `stopped with ${unanswered} requests unanswered after --drain-timeout ${drainSeconds}\n`);
    return 0;
  } catch (error) {
    return fail(toRerankError(error));
  }
}

/** Seconds a stopping server waits for the requests in flight, as in Kubernetes' default grace period. */
const DEFAULT_DRAIN_SECONDS = 30;

function serverOptions(values: Values, env: Record<string, string | undefined>, apiKeys: (string | ApiKeyEntry)[]): NodeServerOptions {
  const options: NodeServerOptions = { apiKeys, limits: limitsFrom(values, env) };
  const proxies = trustedProxiesFrom(values, env);
  if (proxies.length > 0) options.trustedProxies = proxies;
  const store = values.store ?? env.WEBRERANK_STORE;
  if (store !== undefined && store !== '') options.store = store;
  const failure = values['store-failure'] ?? env.WEBRERANK_STORE_FAILURE;
  if (failure !== undefined && failure !== '') options.storeFailure = oneOf('--store-failure', failure, ['closed', 'open'] as const);
  if (values.port !== undefined) options.port = integerFlag('--port', values.port, 0);
  if (values.host !== undefined) options.host = values.host;
  const origins = (values.cors ?? []).flatMap((value) => value.split(',')).map((origin) => origin.trim()).filter(Boolean);
  if (origins.length > 0) options.cors = origins;
  const aliases = values['model-alias'] ?? [];
  if (aliases.length > 0) {
    try {
      options.modelAliases = parseModelAliases(aliases);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (values['no-metrics'] && values['metrics-port'] !== undefined) throw new UsageError('give either --metrics-port or --no-metrics, not both');
  if (values['no-metrics']) options.metrics = false;
  if (values['metrics-port'] !== undefined) options.metrics = { port: integerFlag('--metrics-port', values['metrics-port'], 0) };

  if (values.upstream !== undefined) {
    if (values['model-path'] !== undefined) throw new UsageError('give either --model-path or --upstream, not both');
    if (values['in-process']) throw new UsageError('--in-process runs a local model; it means nothing with --upstream');
    const protocol = oneOf('--upstream-protocol', values['upstream-protocol'] ?? 'rerank', ['rerank', 'tei'] as const);
    options.upstream = {
      baseUrl: values.upstream,
      protocol,
      models: [values.model ?? DEFAULT_MODEL_ID],
      ...(env.WEBRERANK_UPSTREAM_KEY ? { apiKey: env.WEBRERANK_UPSTREAM_KEY } : {}),
      ...(values['upstream-label'] ? { label: values['upstream-label'] } : {}),
    };
    return options;
  }

  options.engine = { ...modelOptionsFromFlags(values), inWorker: !values['in-process'] };
  return options;
}

/**
 * A `--model-path` that can't serve is a mistake in the command line: exit 2 before listening,
 * naming the path and what is missing, rather than a server that starts and stays failed.
 */
async function checkModelPathFlag(engine: NodeServerOptions['engine']): Promise<void> {
  if (engine?.modelPath === undefined) return;
  try {
    await checkModelFolder(resolve(engine.modelPath), candidateDtypes(engine.backend ?? DEFAULT_CLI_BACKEND, engine.dtype));
  } catch (error) {
    throw new UsageError(`--model-path: ${(error as Error).message.replace(/\.$/, '')}`);
  }
}

/** What the operator needs to know at startup: where, what, and whether anyone can walk in. */
function startupLines({ url, metricsUrl, model }: Pick<RunningServer, 'url' | 'metricsUrl' | 'model'>, options: NodeServerOptions, keyCount: number, store: string): string[] {
  const host = options.host ?? DEFAULT_HOST;
  const source = options.upstream
    ? `forwarding to ${new URL(options.upstream.baseUrl).origin} (${options.upstream.protocol ?? 'rerank'})${options.upstream.apiKey ? ' with WEBRERANK_UPSTREAM_KEY' : ''}`
    : `model ${model ?? DEFAULT_MODEL_ID} from ${options.engine?.modelPath ?? 'the hub'}, loading in the background (GET /health says when it is ready)`;
  return [
    `webrerank serve: listening on ${url}`,
    `  POST ${url}/v1/rerank  POST ${url}/v2/rerank  POST ${url}/rerank  GET ${url}/v1/models  GET ${url}/health  GET ${url}/openapi.json`,
    ...(metricsUrl !== undefined ? [`  metrics: GET ${metricsUrl}`] : []),
    `  limits, quotas and usage kept in ${storeLine(store, options.store)}`,
    `  ${source}`,
    keyCount > 0
      ? `  ${keyCount} API key${keyCount === 1 ? '' : 's'} accepted (Authorization: Bearer <key>)`
      : `  no API keys configured: the server is open, bound to ${host}${isLoopback(host) ? ' (reachable from this machine only)' : ''}`,
  ];
}

/** The store for the banner: its kind and where (a Redis URL without its password). */
function storeLine(kind: string, url: NodeServerOptions['store']): string {
  if (typeof url === 'string' && kind !== 'memory') return `${kind} (${redactUrl(url)})`;
  if (kind === 'sqlite') return `sqlite (${DEFAULT_SQLITE_FILE})`;
  return kind === 'memory' ? 'memory (lost on restart; not shared with other replicas)' : kind;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Resolves with the first SIGINT or SIGTERM's name. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function fail(error: RerankError): number {
  process.stderr.write(`${JSON.stringify(error.toJSON())}\n`);
  return 1;
}
