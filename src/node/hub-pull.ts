/**
 * Downloads a model's transformers.js files for the asked dtypes into the Hugging Face hub cache,
 * through `@huggingface/hub` (which speaks the hub's API, redirects and Xet storage). What the
 * library leaves out is done here: only the files of the asked dtypes, the snapshot named after
 * the revision's commit, `refs/<revision>`, sizes and the hub's sha256 checked, a partial file
 * resumed from where it stopped and never left where a complete one is expected.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HubApiError, downloadFile, fileDownloadInfo, pathsInfo, type PathInfo } from '@huggingface/hub';
import { RerankError, isAbortError, messageOf } from '../core/errors.js';
import { CONFIG_FILES, ONNX_FILE, dtypeOfFile } from '../core/model-layout.js';
import type { TransformersProgressEvent } from '../core/progress.js';
import type { Dtype } from '../core/contract.js';
import { COMMIT, hubCacheDir, hubEndpoint, repoFolder, type HubEnv } from './hub-cache.js';

export interface PullOptions {
  /** The hub repo, e.g. `onnx-community/bge-reranker-v2-m3-ONNX`. */
  repo: string;
  /** Branch, tag or commit (default `main`). */
  revision?: string;
  /** The precisions to fetch; each needs its ONNX file in the repo. */
  dtypes: readonly Dtype[];
  /** `HF_ENDPOINT`, `HF_HUB_CACHE`, `HF_HOME`, `HF_TOKEN` (default: this process's environment). */
  env?: HubEnv;
  /** Per-file events in the loader's vocabulary: `expect` (every file and size) first. */
  onProgress?: (event: TransformersProgressEvent) => void;
  signal?: AbortSignal;
}

export interface PulledModel {
  /** The snapshot folder, ready to load as a local model. */
  folder: string;
  commit: string;
  files: { path: string; bytes: number; fetched: boolean }[];
}

interface WantedFile {
  path: string;
  size: number;
  /** The blob's name in the cache: the sha256 of an LFS file, the git oid of another. */
  etag: string;
  sha256?: string;
}

/** Fetches what is missing of `repo` at `revision` in `dtypes` and returns the snapshot folder. */
export async function pullModel(options: PullOptions): Promise<PulledModel> {
  const env = options.env ?? process.env;
  const endpoint = hubEndpoint(env);
  const revision = options.revision ?? 'main';
  const root = repoFolder(hubCacheDir(env), options.repo);
  const hub = hubClient(endpoint, env.HF_TOKEN, options.signal);
  const common = { repo: options.repo, revision, hubUrl: endpoint, fetch: hub.fetch, ...hub.credentials };

  const wanted = await wantedFiles(options, common);
  options.onProgress?.({ status: 'expect', expected: wanted.map(({ path, size }) => ({ file: path, total: size })) });

  // The commit names the snapshot; the hub says it on every `resolve` (X-Repo-Commit).
  let commit = COMMIT.test(revision) ? revision : undefined;
  const files: PulledModel['files'] = [];
  const links: [string, string][] = [];
  for (const file of wanted) {
    const blob = join(root, 'blobs', file.etag);
    const complete = (await stat(blob).catch(() => undefined))?.size === file.size;
    if (!complete || commit === undefined) {
      const info = await hubCall(file.path, () => fileDownloadInfo({ ...common, path: file.path }));
      commit ??= hub.commit();
      if (info === null) throw new RerankError('model_unavailable', `No ${file.path} in ${options.repo} at revision ${revision} (${endpoint}).`);
      if (info.size !== file.size) throw mismatch(file, info.url, `${info.size} bytes where the hub's listing says ${file.size}`);
      if (file.sha256 !== undefined && /^"?[0-9a-f]{64}"?$/.test(info.etag) && info.etag.replaceAll('"', '') !== file.sha256) {
        throw mismatch(file, info.url, `sha256 ${info.etag} in its headers where the listing says ${file.sha256}`);
      }
      if (!complete) await fetchBlob(file, blob, info, common, options);
    }
    options.onProgress?.({ status: 'progress', file: file.path, loaded: file.size, total: file.size });
    files.push({ path: file.path, bytes: file.size, fetched: !complete });
    links.push([file.path, blob]);
  }
  if (commit === undefined) throw new RerankError('model_unavailable', `${endpoint} did not say which commit ${revision} of ${options.repo} is (no X-Repo-Commit): is HF_ENDPOINT a Hugging Face hub?`);

  const folder = join(root, 'snapshots', commit);
  for (const [path, blob] of links) await linkInto(join(folder, path), blob);
  if (!COMMIT.test(revision)) {
    await mkdir(dirname(join(root, 'refs', revision)), { recursive: true });
    await writeFile(join(root, 'refs', revision), commit);
  }
  return { folder, commit, files };
}

type Common = { repo: string; revision: string; hubUrl: string; fetch: typeof fetch; accessToken?: string };

/** The files to fetch, with sizes and checksums from the hub's listing; a missing dtype is named. */
async function wantedFiles(options: PullOptions, common: Common): Promise<WantedFile[]> {
  const onnx = Object.values(ONNX_FILE);
  const candidates = [...CONFIG_FILES, ...onnx, ...onnx.map((file) => `${file}_data`)];
  const listing = await hubCall('file listing', () => pathsInfo({ ...common, paths: candidates }));
  const byPath = new Map(listing.filter((info) => info.type === 'file').map((info) => [info.path, info]));
  const has = onnx.filter((file) => byPath.has(file)).map((file) => dtypeOfFile(file) as Dtype);
  const revision = common.revision;
  for (const dtype of options.dtypes) {
    if (!byPath.has(ONNX_FILE[dtype])) {
      const offer = has.length === 0 ? 'this repository has no ONNX files in transformers.js layout' : `this repository has ${has.join(' and ')}`;
      throw new RerankError('model_unavailable', `No ${ONNX_FILE[dtype]} in ${options.repo} at revision ${revision}: ${offer}.`);
    }
  }
  const missing = CONFIG_FILES.filter((file) => !byPath.has(file));
  if (missing.length > 0) throw new RerankError('model_unavailable', `${options.repo} at revision ${revision} lacks ${missing.join(', ')}: it is not a model in transformers.js layout.`);
  const paths = [...CONFIG_FILES, ...options.dtypes.flatMap((dtype) => [ONNX_FILE[dtype], `${ONNX_FILE[dtype]}_data`])].filter((path) => byPath.has(path));
  return [...new Set(paths)].map((path) => wantedFile(byPath.get(path) as PathInfo));
}

function wantedFile(info: PathInfo): WantedFile {
  if (info.lfs) return { path: info.path, size: info.lfs.size, etag: info.lfs.oid, sha256: info.lfs.oid };
  return { path: info.path, size: info.size, etag: info.oid ?? '' };
}

/**
 * Downloads one file into `blob`: bytes go to `blob.incomplete` (a later pull resumes it with a
 * Range request), are checked against the listing's size and checksum, and only then renamed.
 */
async function fetchBlob(file: WantedFile, blob: string, info: Awaited<ReturnType<typeof fileDownloadInfo>> & object, common: Common, options: PullOptions): Promise<void> {
  const partial = `${blob}.incomplete`;
  await mkdir(dirname(blob), { recursive: true });
  let have = (await stat(partial).catch(() => undefined))?.size ?? 0;
  if (have > file.size) {
    await rm(partial, { force: true });
    have = 0;
  }
  options.onProgress?.({ status: 'download', file: file.path, source: 'network' });
  const remote = await downloadFile({ ...common, path: file.path, downloadInfo: info });
  if (remote === null) throw new RerankError('model_unavailable', `No ${file.path} at ${info.url}.`);
  let loaded = have;
  const counted = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      options.onProgress?.({ status: 'progress', file: file.path, loaded, total: file.size });
      controller.enqueue(chunk);
    },
  });
  try {
    const body = have < file.size ? remote.slice(have).stream() : new Blob([]).stream();
    await pipeline(Readable.fromWeb(body.pipeThrough(counted) as import('node:stream/web').ReadableStream), createWriteStream(partial, { flags: have > 0 ? 'a' : 'w' }));
  } catch (error) {
    if (isAbortError(error) || options.signal?.aborted) throw error;
    // The bytes so far stay in .incomplete: the next pull resumes from there.
    throw new RerankError('network_error', `Downloading ${file.path} from ${info.url} stopped after ${loaded} of ${file.size} bytes: ${messageOf(error)}. Run the same pull again to resume.`, { cause: error });
  }
  const got = await checksum(partial, file.sha256 === undefined ? 'git' : 'sha256', file.size);
  const expected = file.sha256 ?? file.etag;
  if ((await stat(partial)).size !== file.size || got !== expected) {
    await rm(partial, { force: true });
    throw mismatch(file, info.url, `the downloaded bytes hash to ${got}, the hub says ${expected}; the download was discarded`);
  }
  await rename(partial, blob);
}

/** sha256 of the file, or its git blob id (sha1 of "blob SIZE\0" + bytes) for files outside LFS. */
async function checksum(path: string, kind: 'sha256' | 'git', size: number): Promise<string> {
  const hash = createHash(kind === 'sha256' ? 'sha256' : 'sha1');
  if (kind === 'git') hash.update(`blob ${size}\0`);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Points `link` at `blob` with a relative symlink (as huggingface_hub does), replacing an old one atomically. */
async function linkInto(link: string, blob: string): Promise<void> {
  await mkdir(dirname(link), { recursive: true });
  const temporary = `${link}.${process.pid}.tmp`;
  await rm(temporary, { force: true });
  await symlink(relative(dirname(link), blob), temporary);
  await rename(temporary, link);
}

function mismatch(file: WantedFile, url: string, what: string): RerankError {
  return new RerankError('model_load_failed', `${file.path} from ${url} does not match the hub's listing: ${what}.`);
}

interface HubClient {
  fetch: typeof fetch;
  credentials: { accessToken?: string };
  /** The last X-Repo-Commit the hub sent. */
  commit(): string | undefined;
}

function hubClient(endpoint: string, token: string | undefined, signal: AbortSignal | undefined): HubClient {
  let commit: string | undefined;
  let lastUrl = endpoint;
  const hubFetch: typeof fetch = async (input, init) => {
    lastUrl = input instanceof Request ? input.url : String(input);
    const response = await fetch(input, { ...init, ...(signal ? { signal } : {}) }).catch((error: unknown) => {
      if (isAbortError(error)) throw error;
      throw new RerankError('network_error', `Cannot reach ${lastUrl}: ${messageOf((error as { cause?: unknown }).cause ?? error)}. Check the network or HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use only the cache.`, { cause: error });
    });
    const header = response.headers.get('x-repo-commit');
    if (header && COMMIT.test(header)) commit = header;
    return response;
  };
  if (token !== undefined && token !== '' && !token.startsWith('hf_')) {
    throw new RerankError('unauthorized', 'HF_TOKEN does not look like a Hugging Face token (they start with hf_).');
  }
  return { fetch: hubFetch, credentials: token ? { accessToken: token } : {}, commit: () => commit };
}

/** Runs a library call, turning the hub's HTTP refusals into errors that name the URL and what to do. */
async function hubCall<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof HubApiError)) throw error;
    const url = error.url;
    if (error.statusCode === 401 || error.statusCode === 403) {
      throw new RerankError('model_unavailable', `The hub refused ${url} (${error.statusCode}): the repository is gated or private. Set HF_TOKEN to a token that may read it.`, { cause: error });
    }
    if (error.statusCode === 404) {
      throw new RerankError('model_unavailable', `The hub has no ${what} at ${url} (404): check the model id and --revision.`, { cause: error });
    }
    throw new RerankError('network_error', `The hub answered ${error.statusCode} for ${url}.`, { cause: error });
  }
}
