/**
 * Cross-origin calls from browsers: the origins the operator allowed, the methods and headers the
 * API uses, and the response headers a page needs to read (Retry-After to back off, the request id
 * to report, the stand-in warning to show).
 */
import { cors } from 'hono/cors';
import { WARNING_HEADER } from './warning-header.js';

/** The CORS middleware for `origins` (`*` allows any). */
export function corsFor(origins: readonly string[]) {
  const allowed = [...origins];
  return cors({
    origin: allowed.includes('*') ? '*' : allowed,
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type'],
    exposeHeaders: ['Retry-After', 'X-Request-Id', WARNING_HEADER],
    maxAge: 600,
  });
}
