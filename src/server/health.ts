/**
 * What the server says about its model while it is not ready: `/health`'s body, and the 503 a
 * rerank gets while the load has failed — both with the reason (local paths left out), and when
 * the next try starts.
 */
import { RerankError } from '../core/errors.js';
import type { RerankerInfo } from '../core/reranker.js';
import { urlIn, withoutLocalPaths, type LoadStatus } from './load-retry.js';
import type { Health } from './service-schemas.js';

/**
 * `/health`'s body: the state, and what serves once ready; while the model is not ready, why (local
 * paths left out), the URL a download tried, the tries so far and when the next one starts.
 */
export function healthBody(info: RerankerInfo, load: LoadStatus | undefined): Health {
  const body: Health = { status: info.state, models: info.models };
  if (info.backend !== null) body.backend = info.backend;
  if (info.dtype !== null) body.dtype = info.dtype;
  if (info.state !== 'ready' && info.error !== undefined) {
    body.reason = withoutLocalPaths(info.error);
    const url = urlIn(info.error);
    if (url !== undefined) body.url = url;
  }
  if (info.state !== 'ready' && load && load.attempts > 0) {
    body.attempts = load.attempts;
    if (load.nextRetryAt !== undefined) body.next_retry_at = new Date(load.nextRetryAt).toISOString();
  }
  if (info.standin) body.standin = true;
  return body;
}

/** How every message about a failed load begins. */
export const LOAD_FAILED = 'The model failed to load';

/** The 503 for a request while the model has failed to load: why, and when the next try is. */
export function loadFailedError(info: RerankerInfo, load: LoadStatus | undefined): RerankError {
  const reason = withoutLocalPaths(info.error ?? 'no reason was recorded');
  if (load?.nextRetryAt === undefined) return new RerankError('model_load_failed', `${LOAD_FAILED}: ${reason}`);
  const seconds = Math.max(1, Math.ceil((load.nextRetryAt - Date.now()) / 1000));
  return new RerankError('model_load_failed', `${LOAD_FAILED} (try ${load.attempts}; the next in ${seconds} s): ${reason}`, { retryAfter: seconds });
}
