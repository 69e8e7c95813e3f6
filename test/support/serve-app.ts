/** Serves a server app on 127.0.0.1 and a free port, as the Node runner does, for tests that build their own app. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { createServerApp } from '../../src/server/app.js';

export interface ServedApp {
  url: string;
  close(): Promise<void>;
}

export function serveApp(app: ReturnType<typeof createServerApp>): Promise<ServedApp> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (address: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      });
    });
  });
}
