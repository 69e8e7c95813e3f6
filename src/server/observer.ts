/**
 * What the server reports as it works, for metrics. The app (web-only, edge-safe) calls these
 * hooks; the Prometheus implementation (metrics.ts, Node) or any other plugs in behind them.
 */

/** One answered HTTP request. */
export interface RequestEvent {
  /** The route's pattern, e.g. `/v1/rerank` (never the raw path: unknown paths are `unmatched`). */
  route: string;
  /** The API dialect that answered (`hosted`, `cohere-v2`, `tei`), or `none` for other routes. */
  dialect: string;
  status: number;
  seconds: number;
  /** The API key's name (`anonymous` on an open server), or `none` when no key was identified. */
  key: string;
}

/** One rerank the engine ran: answered, or abandoned by its client after it started. */
export interface RerankEvent {
  /** The API key's name (`anonymous` on an open server). */
  key: string;
  dialect: string;
  /** Time spent waiting for the engine. */
  queueSeconds: number;
  /** Time the engine spent on it. */
  inferenceSeconds: number;
  /** Documents the rerank answered (0 for one its client abandoned). */
  documents: number;
  /** Scoring windows it was billed: what quotas, `/v1/usage` and `billed_units` count. */
  windows: number;
  tokens: number;
}

/** Receives the server's events and renders them for a scrape. */
export interface ServerMetrics {
  request(event: RequestEvent): void;
  rerank(event: RerankEvent): void;
  /** Reranks running or waiting now. */
  queueDepth(depth: number): void;
  /** HTTP requests being answered now (any route). */
  inFlight(count: number): void;
  /** The exposition format's content type. */
  readonly contentType: string;
  /** The current metrics, in that format. */
  render(): Promise<string>;
}
