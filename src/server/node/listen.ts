/**
 * Listening and closing for the Node server: binding a fetch handler to a port, and closing with
 * or without a grace period for the answers still being written.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';

/** `http://host:port` of a bound address. */
export function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Stops listening and drops open connections: at once, or — `graceMs` given — once each has
 * finished writing its answer (idle keep-alive connections are closed as they fall idle), and at
 * the latest after `graceMs`.
 */
export function closeServer(server: ServerType, graceMs = 0): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve();
    });
    const closeIdle = () => ('closeIdleConnections' in server ? server.closeIdleConnections() : undefined);
    const closeAll = () => ('closeAllConnections' in server ? server.closeAllConnections() : undefined);
    const sweep = setInterval(closeIdle, 20);
    const deadline = setTimeout(closeAll, graceMs);
    closeIdle();
  });
}

/** How long a drained server waits for its last answers to be written before cutting connections. */
export const FLUSH_GRACE_MS = 2000;

/** Serves `fetch` on host:port; resolves once bound, rejects if binding fails (port in use). */
export function listen(fetch: (request: Request, env?: unknown) => Response | Promise<Response>, port: number, hostname: string): Promise<{ server: ServerType; address: AddressInfo }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, (address) => resolve({ server, address }));
    server.once('error', reject);
  });
}
