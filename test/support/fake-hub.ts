/**
 * A local stand-in for the Hugging Face hub, for the calls `@huggingface/hub` makes: `paths-info`
 * and `tree` listings, `resolve` with X-Repo-Commit, ETag, X-Linked-Etag and X-Linked-Size, a 302
 * for large (LFS) files to a second server on another port (the CDN), Range requests, 401 for a
 * private repo without the token, 404s. It serves a folder's files as one repo at one commit.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';

export interface FakeHubOptions {
  repo: string;
  /** The folder whose files are the repo's. */
  folder: string;
  commit?: string;
  /** Require `Authorization: Bearer <token>` on everything. */
  token?: string;
}

interface HubFile {
  path: string;
  bytes: Buffer;
  gitOid: string;
  sha256: string;
  lfs: boolean;
}

export interface FakeHub {
  url: string;
  cdnUrl: string;
  commit: string;
  /** Every request both servers saw: method, path and Range header. */
  requests: { method: string; path: string; range?: string }[];
  /** The next CDN answer for `path` sends only the first `bytes` and then drops the connection. */
  cutNext(path: string, bytes: number): void;
  /** CDN answers for `path` flip one byte from now on (a corrupted download). */
  corrupt(path: string): void;
  /** The next `count` hub requests get 503 (the hub down for a while). */
  failNext(count: number): void;
  close(): Promise<void>;
}

const LFS = /\.onnx(_data)?$/;

export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const commit = options.commit ?? createHash('sha1').update(options.folder).digest('hex');
  const files = new Map<string, HubFile>();
  for (const entry of await readdir(options.folder, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const path = relative(options.folder, full).split('\\').join('/');
    const bytes = await readFile(full);
    const gitOid = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    files.set(path, { path, bytes, gitOid, sha256: createHash('sha256').update(bytes).digest('hex'), lfs: LFS.test(path) });
  }
  const requests: FakeHub['requests'] = [];
  const cuts = new Map<string, number>();
  const corrupted = new Set<string>();
  let failing = 0;

  const cdn = await listen((request, response) => {
    requests.push({ method: request.method ?? '', path: request.url ?? '', ...(request.headers.range ? { range: request.headers.range } : {}) });
    const sha = (request.url ?? '').split('?')[0]?.split('/').pop();
    const file = [...files.values()].find((candidate) => candidate.sha256 === sha);
    if (!file) return notFound(response, 'EntryNotFound');
    let bytes = file.bytes;
    if (corrupted.has(file.path)) {
      bytes = Buffer.from(bytes);
      bytes[bytes.length - 1] = (bytes.at(-1) as number) ^ 0xff;
    }
    sendBytes(request, response, bytes, { ETag: `"${file.sha256}"` }, cuts, file.path);
  });

  const hub = await listen(async (request, response) => {
    requests.push({ method: request.method ?? '', path: request.url ?? '', ...(request.headers.range ? { range: request.headers.range } : {}) });
    if (failing > 0) {
      failing--;
      response.writeHead(503, { 'Content-Type': 'text/plain' });
      return response.end('Service Unavailable');
    }
    if (options.token !== undefined && request.headers.authorization !== `Bearer ${options.token}`) {
      response.writeHead(401, { 'Content-Type': 'application/json', 'X-Error-Code': 'GatedRepo' });
      return response.end(JSON.stringify({ error: 'Access to this repository is restricted.' }));
    }
    const url = new URL(request.url ?? '/', 'http://hub');
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/(paths-info|tree)\/([^/]+)(?:\/(.*))?$/.exec(url.pathname);
    if (api) {
      const [, repo, kind, revision] = api;
      if (repo !== options.repo || !knownRevision(decodeURIComponent(revision as string), commit)) return notFound(response, 'RevisionNotFound');
      let paths = [...files.keys()];
      if (kind === 'paths-info') {
        const body = JSON.parse(await readBody(request)) as { paths: string[] };
        paths = body.paths.filter((path) => files.has(path));
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      return response.end(JSON.stringify(paths.map((path) => listing(files.get(path) as HubFile, commit))));
    }
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!resolve) return notFound(response, 'RepoNotFound');
    const [, repo, revision, path] = resolve;
    if (repo !== options.repo) return notFound(response, 'RepoNotFound');
    if (!knownRevision(decodeURIComponent(revision as string), commit)) return notFound(response, 'RevisionNotFound');
    const file = files.get(path as string);
    if (!file) return notFound(response, 'EntryNotFound', { 'X-Repo-Commit': commit });
    if (file.lfs) {
      response.writeHead(302, {
        Location: `${cdnUrl}/blobs/${file.sha256}?expires=never`,
        'X-Repo-Commit': commit,
        'X-Linked-Etag': `"${file.sha256}"`,
        'X-Linked-Size': String(file.bytes.length),
        ETag: `"${file.sha256}"`,
      });
      return response.end();
    }
    sendBytes(request, response, file.bytes, { ETag: `"${file.gitOid}"`, 'X-Repo-Commit': commit }, cuts, file.path);
  });
  const cdnUrl = cdn.url;

  return {
    url: hub.url,
    cdnUrl,
    commit,
    requests,
    cutNext: (path, bytes) => cuts.set(path, bytes),
    corrupt: (path) => corrupted.add(path),
    failNext: (count) => {
      failing = count;
    },
    close: async () => {
      await Promise.all([hub.close(), cdn.close()]);
    },
  };
}

function knownRevision(revision: string, commit: string): boolean {
  return revision === 'main' || revision === commit;
}

function listing(file: HubFile, commit: string): Record<string, unknown> {
  return {
    type: 'file',
    path: file.path,
    size: file.bytes.length,
    oid: file.gitOid,
    ...(file.lfs ? { lfs: { oid: file.sha256, size: file.bytes.length, pointerSize: 134 } } : {}),
    lastCommit: { id: commit, title: 'stand-in', date: '2026-12-07T00:00:00.000Z' },
  };
}

function sendBytes(request: IncomingMessage, response: ServerResponse, bytes: Buffer, headers: Record<string, string>, cuts: Map<string, number>, path: string): void {
  const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  const end = range && range[2] !== '' ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
  const body = bytes.subarray(start, end + 1);
  response.writeHead(range ? 206 : 200, {
    ...headers,
    'Content-Length': String(body.length),
    'Accept-Ranges': 'bytes',
    ...(range ? { 'Content-Range': `bytes ${start}-${end}/${bytes.length}` } : {}),
  });
  const cut = cuts.get(path);
  if (cut !== undefined && body.length > 1) {
    cuts.delete(path);
    response.write(body.subarray(0, cut), () => response.destroy());
    return;
  }
  response.end(body);
}

function notFound(response: ServerResponse, code: string, headers: Record<string, string> = {}): void {
  response.writeHead(404, { 'Content-Type': 'application/json', 'X-Error-Code': code, ...headers });
  response.end(JSON.stringify({ error: `${code}` }));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

async function listen(handler: (request: IncomingMessage, response: ServerResponse) => unknown): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => void handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
