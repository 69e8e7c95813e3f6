/**
 * `GET /health/live` and `GET /health/ready`, for orchestrators and load balancers: live means
 * the process answers (restart it when not); ready means send it traffic — the model is loaded,
 * the limits store answers, and the server is not draining for a shutdown.
 */
import { Hono } from 'hono';
import type { Reranker } from '../core/reranker.js';
import type { LimitsStore } from './limits-store.js';
import type { Readiness } from './service-schemas.js';

export interface ReadinessSources {
  reranker: Reranker;
  store: LimitsStore;
  draining: () => boolean;
}

/** The two routes, to mount under `/health`. */
export function readinessRoutes({ reranker, store, draining }: ReadinessSources): Hono {
  return new Hono()
    .get('/live', (c) => c.json({ live: true }))
    .get('/ready', async (c) => {
      const [info, reachable] = await Promise.all([reranker.info(), store.ping().then(() => true, () => false)]);
      const body: Readiness = { ready: false, model: info.state, store: { kind: store.kind, reachable }, draining: draining() };
      body.ready = info.state === 'ready' && reachable && !body.draining;
      return c.json(body, body.ready ? 200 : 503);
    });
}
