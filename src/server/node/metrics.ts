/**
 * Prometheus metrics for `webrerank serve`, with prom-client: requests by route, dialect and
 * status; queueing and inference latency; documents and tokens scored; queue depth; the model's
 * load state (read from the reranker at each scrape); requests, documents and billed windows by
 * API key name;
 * requests in flight (for autoscalers). Node only — the app sees just the
 * {@link ServerMetrics} hooks.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Reranker } from '../../core/reranker.js';
import type { RequestEvent, RerankEvent, ServerMetrics } from '../observer.js';

/** Seconds: from a few ms (tiny batches) to a minute (a full queue on a slow CPU). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const MODEL_STATES = ['idle', 'loading', 'ready', 'failed'] as const;

export interface PrometheusMetricsOptions {
  /** Whose model state to report. */
  reranker: Reranker;
  /** Add Node's process metrics (CPU, memory, event loop lag). Default true. */
  processMetrics?: boolean;
}

/**
 * Creates the metrics with their own registry (never prom-client's global one, so two servers in
 * one process don't collide).
 *
 * @example
 * const metrics = createPrometheusMetrics({ reranker });
 * const app = createServerApp({ reranker, metrics });
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions): ServerMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'webrerank_' });

  const requests = new Counter({ name: 'webrerank_http_requests_total', help: 'HTTP requests answered, by route, dialect and status.', labelNames: ['route', 'dialect', 'status'], registers: [registry] });
  const requestSeconds = new Histogram({ name: 'webrerank_http_request_duration_seconds', help: 'Time to answer an HTTP request.', labelNames: ['route', 'dialect'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const queueSeconds = new Histogram({ name: 'webrerank_queue_wait_seconds', help: 'Time a rerank waited for the engine.', labelNames: ['dialect'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const inferenceSeconds = new Histogram({ name: 'webrerank_inference_duration_seconds', help: 'Time the engine spent on a rerank.', labelNames: ['dialect'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const documents = new Counter({ name: 'webrerank_documents_scored_total', help: 'Documents scored.', labelNames: ['dialect'], registers: [registry] });
  const tokens = new Counter({ name: 'webrerank_tokens_scored_total', help: 'Tokens the model ran on (query, documents and special tokens of every pair).', labelNames: ['dialect'], registers: [registry] });
  const depth = new Gauge({ name: 'webrerank_queue_depth', help: 'Reranks running or waiting now.', registers: [registry] });
  const inFlight = new Gauge({ name: 'webrerank_requests_in_flight', help: 'HTTP requests being answered now.', registers: [registry] });
  // By key *name* (never the key): operators see who is using what, and who is refused.
  const keyRequests = new Counter({ name: 'webrerank_key_requests_total', help: 'API requests answered, by API key name and status.', labelNames: ['key', 'status'], registers: [registry] });
  const keyDocuments = new Counter({ name: 'webrerank_key_documents_scored_total', help: 'Documents of answered reranks, by API key name (billing counts windows: webrerank_key_windows_billed_total).', labelNames: ['key'], registers: [registry] });
  // The billing unit, abandoned reranks included: what /v1/usage adds to `documents` and quotas count.
  const keyWindows = new Counter({ name: 'webrerank_key_windows_billed_total', help: 'Scoring windows billed, by API key name: what quotas and /v1/usage count.', labelNames: ['key'], registers: [registry] });
  const { reranker } = options;
  new Gauge({
    name: 'webrerank_model_state',
    help: 'The model load state: 1 for the current state, 0 for the others.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const { state } = await reranker.info();
      for (const candidate of MODEL_STATES) this.set({ state: candidate }, candidate === state ? 1 : 0);
    },
  });

  return {
    request(event: RequestEvent) {
      requests.inc({ route: event.route, dialect: event.dialect, status: String(event.status) });
      requestSeconds.observe({ route: event.route, dialect: event.dialect }, event.seconds);
      if (event.key !== 'none') keyRequests.inc({ key: event.key, status: String(event.status) });
    },
    rerank(event: RerankEvent) {
      queueSeconds.observe({ dialect: event.dialect }, event.queueSeconds);
      inferenceSeconds.observe({ dialect: event.dialect }, event.inferenceSeconds);
      documents.inc({ dialect: event.dialect }, event.documents);
      tokens.inc({ dialect: event.dialect }, event.tokens);
      keyDocuments.inc({ key: event.key }, event.documents);
      keyWindows.inc({ key: event.key }, event.windows);
    },
    queueDepth(value: number) {
      depth.set(value);
    },
    inFlight(value: number) {
      inFlight.set(value);
    },
    contentType: registry.contentType,
    render: () => registry.metrics(),
  };
}
