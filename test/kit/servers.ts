/**
 * The servers the browser tests talk to: the project's own Vite config (so the COOP/COEP headers
 * under test are the real ones), plus plain static servers for model files.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { CROSS_ORIGIN_ISOLATION } from '../../tools/cross-origin-isolation.js';
import { build, createLogger, createServer, preview, type Logger, type Plugin, type PreviewServer, type ViteDevServer } from 'vite';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

const CONTENT_TYPES: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

/** A served folder: every file path requested under it, in order. */
export interface ServedFolder {
  /** URL path prefix, e.g. `/test-models/tiny`. */
  prefix: string;
  dir: string;
  requests: string[];
}

/** Serves `dir` (GET/HEAD, Content-Length, single byte ranges), recording requests. */
export function folderHandler(folder: ServedFolder, options: { cors?: boolean } = {}) {
  const root = resolve(folder.dir);
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const path = decodeURIComponent((request.url ?? '/').split('?')[0] as string);
    if (options.cors) {
      response.setHeader('Access-Control-Allow-Origin', '*');
      response.setHeader('Access-Control-Allow-Headers', '*');
      response.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range');
      if (request.method === 'OPTIONS') {
        response.statusCode = 204;
        response.end();
        return;
      }
    }
    const file = normalize(join(root, path));
    let size: number;
    try {
      if (!file.startsWith(root + sep)) throw new Error('outside');
      const stat = statSync(file);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } catch {
      next();
      return;
    }
    folder.requests.push(path);
    // Module scripts need a JavaScript type; instantiateStreaming needs application/wasm.
    response.setHeader('Content-Type', CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
    // Under COEP a cross-origin file needs CORP (or CORS, above); a worker script — ORT starts
    // its threads from its .mjs — needs COEP itself, like the page that starts it.
    response.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    for (const [name, value] of Object.entries(CROSS_ORIGIN_ISOLATION)) response.setHeader(name, value);
    response.setHeader('Accept-Ranges', 'bytes');
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    let start = 0;
    let end = size - 1;
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      response.statusCode = 206;
      response.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
    }
    response.setHeader('Content-Length', String(end - start + 1));
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(file, { start, end }).pipe(response);
  };
}

function servePlugin(folders: ServedFolder[]): Plugin {
  const mount = (server: { middlewares: ViteDevServer['middlewares'] }) => {
    for (const folder of folders) server.middlewares.use(folder.prefix, folderHandler(folder));
  };
  return { name: 'webrerank-test-folders', configureServer: mount, configurePreviewServer: mount };
}

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** Which app a Vite server serves: the repo itself (the demo, the test pages) by default. */
export interface AppOptions {
  root?: string;
  /** Default: `vite.config.ts` in the repo. */
  configFile?: string;
  /** Keep linked packages at their path in the app's node_modules. */
  preserveSymlinks?: boolean;
  /** Collects Vite's warnings (e.g. sourcemaps pointing at missing files) instead of printing them. */
  warnings?: string[];
}

function appConfig(app: AppOptions) {
  return {
    root: app.root ?? REPO_ROOT,
    configFile: app.configFile ?? join(REPO_ROOT, 'vite.config.ts'),
    // Linked packages make Vite warn about every sourcemap pointing back through the link.
    logLevel: app.preserveSymlinks ? ('error' as const) : ('warn' as const),
    clearScreen: false,
    ...(app.preserveSymlinks ? { resolve: { preserveSymlinks: true } } : {}),
    ...(app.warnings ? { customLogger: collectingLogger(app.warnings) } : {}),
  };
}

/** A Vite logger that keeps warnings and errors in `into` and prints nothing. */
function collectingLogger(into: string[]): Logger {
  const logger = createLogger('warn');
  logger.warn = (message) => void into.push(message);
  logger.warnOnce = (message) => void into.push(message);
  logger.error = (message) => void into.push(message);
  logger.info = () => undefined;
  return logger;
}

/**
 * Drops the app config's COOP/COEP headers, for a page that is not cross-origin isolated (no
 * SharedArrayBuffer, so WASM gets one thread) — as on a site that doesn't send them.
 */
function withoutIsolationPlugin(): Plugin {
  return {
    name: 'webrerank-test-no-isolation',
    config(config) {
      if (config.server) delete config.server.headers;
      if (config.preview) delete config.preview.headers;
    },
  };
}

/** `vite` (dev) with the app's config, plus `folders`; `isolated: false` serves without COOP/COEP. */
export async function startDevServer(folders: ServedFolder[] = [], app: AppOptions = {}, options: { isolated?: boolean } = {}): Promise<TestServer> {
  const server = await createServer({
    ...appConfig(app),
    // Other work in the repo must not reload a page mid-test.
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    plugins: [servePlugin(folders), ...(options.isolated === false ? [withoutIsolationPlugin()] : [])],
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite did not report a URL');
  return { url, close: () => server.close() };
}

/** `vite build` of the app into `outDir`. */
export async function buildApp(outDir: string, app: AppOptions = {}, overrides: { workerFormat?: 'es' | 'iife' } = {}): Promise<void> {
  await build({ ...appConfig(app), build: { outDir, emptyOutDir: true }, ...(overrides.workerFormat ? { worker: { format: overrides.workerFormat } } : {}) });
}

/** `vite preview` of an app built into `outDir`, plus `folders`; `isolated: false` serves without COOP/COEP. */
export async function startPreviewServer(outDir: string, folders: ServedFolder[] = [], app: AppOptions = {}, options: { isolated?: boolean } = {}): Promise<TestServer> {
  const server: PreviewServer = await preview({
    ...appConfig(app),
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0 },
    plugins: [servePlugin(folders), ...(options.isolated === false ? [withoutIsolationPlugin()] : [])],
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a URL');
  return { url, close: () => server.close() };
}

/** A plain HTTP server on another port — another origin — serving `folder` with CORS. */
export async function startCrossOriginServer(folder: ServedFolder): Promise<TestServer> {
  const handler = folderHandler(folder, { cors: true });
  const notFound = (response: ServerResponse) => {
    response.statusCode = 404;
    response.end();
  };
  const server = createHttpServer((request, response) => {
    const url = request.url ?? '/';
    if (!url.startsWith(`${folder.prefix}/`)) return notFound(response);
    request.url = url.slice(folder.prefix.length);
    handler(request, response, () => notFound(response));
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}
