/**
 * The stand-in warning as a response header, for answers whose body has no place for
 * `meta.warnings` (TEI's bare array) and for clients that only look at headers. Every dialect
 * carries it, so a proxy or a log can tell a stand-in's answers apart whatever the route.
 */
import type { Context } from 'hono';
import type { RerankResponse } from '../core/contract.js';
import { STANDIN_WARNING } from '../core/standin.js';

/** The header that carries the stand-in warning; CORS exposes it to pages. */
export const WARNING_HEADER = 'Webrerank-Warning';

/** Sets the warning header when the model serving `c` is a stand-in (known from info() or from the answer). */
export function markStandin(c: Context, standin: boolean | undefined, response?: RerankResponse): void {
  if (standin || response?.meta?.warnings?.includes(STANDIN_WARNING)) c.header(WARNING_HEADER, STANDIN_WARNING);
}
