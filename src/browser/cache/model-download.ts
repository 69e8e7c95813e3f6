/**
 * Fetching a model's files in the browser: from the model store when they are there and intact,
 * else from the network — streamed into the store as they arrive — with one progress bar whose
 * total is known before the first byte.
 *
 * Two things a person must be able to trust: the bar (every file and its size is announced first,
 * from the store's records or a HEAD request, so the total never jumps) and the error (a server
 * that answers a missing file with an HTML page — Vite's dev server does — is a 503
 * `model_load_failed` naming the URL, not a JSON parse error).
 */
import { RerankError } from '../../core/errors.js';
import type { TransformersProgressEvent } from '../../core/progress.js';
import type { ModelStore, StoreWriter } from './model-store.js';
import { incrementalHash, type IncrementalHash } from './file-digest.js';
import { freeNow } from './stored-file.js';

/** One file of a model: its name in the model's layout and where it is downloaded from. */
export interface ModelFile {
  file: string;
  url: string;
  /**
   * Read it from the store on demand rather than into memory, where the store can (the weights:
   * onnxruntime-web then reads each tensor straight from the disk). Such bytes need `close()`.
   */
  onDemand?: boolean;
}

export interface DownloadOptions {
  /** The model id, recorded with stored files. */
  model: string;
  store: ModelStore | null;
  onProgress?: (event: TransformersProgressEvent) => void;
}

/**
 * The bytes of every file, by file name. Small files first, so the label's file count moves
 * early; each file is one buffer in memory (no second copy, also when read from the store), or —
 * for an `onDemand` file that is in the store — read from there on demand.
 */
export async function fetchModelFiles(files: readonly ModelFile[], options: DownloadOptions): Promise<Map<string, Uint8Array>> {
  const report = options.onProgress ?? (() => undefined);
  const sizes = await Promise.all(files.map((file) => knownSize(file, options.store)));
  const order = files.map((file, index) => ({ ...file, size: sizes[index] })).sort((a, b) => (a.size ?? Infinity) - (b.size ?? Infinity));
  report({ status: 'expect', expected: order.map(({ file, size }) => ({ file, total: size ?? 0 })) });

  const loaded = new Map<string, Uint8Array>();
  for (const entry of order) {
    const progress = (bytes: number, total: number | undefined) => report({ status: 'progress', file: entry.file, loaded: bytes, total: total ?? 0 });
    const stored = await options.store?.read(entry.url, (bytes) => progress(bytes, entry.size), entry.onDemand ? { onDemand: 'prefer' } : {});
    if (stored) {
      report({ status: 'download', file: entry.file, source: 'cache' });
      progress(stored.length, stored.length);
      loaded.set(entry.file, stored);
      continue;
    }
    report({ status: 'download', file: entry.file, source: 'network' });
    const downloaded = await download(entry, options, progress);
    // Stored now: read it back on demand where that works, so the downloaded copy can go before
    // the session is built (never a second copy in memory).
    const reread = entry.onDemand && downloaded.stored ? await options.store?.read(entry.url, undefined, { onDemand: 'only' }) : undefined;
    if (reread) freeNow(downloaded.bytes);
    loaded.set(entry.file, reread ?? downloaded.bytes);
  }
  return loaded;
}

/** The size the store recorded, else the server's Content-Length from a HEAD request. */
async function knownSize(file: ModelFile, store: ModelStore | null): Promise<number | undefined> {
  const stored = await store?.size(file.url);
  if (stored !== undefined) return stored;
  try {
    const head = await fetch(file.url, { method: 'HEAD' });
    return head.ok && !isHtml(head, file.file) ? plainLength(head) : undefined;
  } catch {
    // Unreachable now: the download itself reports it, with the reason.
    return undefined;
  }
}

async function download(entry: ModelFile, options: DownloadOptions, progress: (bytes: number, total: number | undefined) => void): Promise<{ bytes: Uint8Array; stored: boolean }> {
  let response: Response;
  try {
    response = await fetch(entry.url);
  } catch (error) {
    throw new RerankError('model_load_failed', `Could not download ${entry.file} from ${entry.url}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  }
  if (!response.ok) {
    throw new RerankError('model_load_failed', `The model file ${entry.file} is missing at ${entry.url} (HTTP ${response.status}).`);
  }
  if (isHtml(response, entry.file)) {
    await response.body?.cancel();
    throw new RerankError('model_load_failed', `The model file ${entry.file} is missing at ${entry.url}: the server answered with an HTML page (a dev server answers unknown paths with index.html). Check the model's path or URL.`);
  }
  const size = plainLength(response);
  const writer = await options.store?.writer(entry.url, { model: options.model, file: entry.file, size });
  try {
    // The hashes of what arrived are what a later read must match: taken as the bytes arrive.
    const hashes = writer ? { sha256: await incrementalHash('sha256'), xxh128: await incrementalHash('xxh128') } : undefined;
    const bytes = await readBody(response, size, writer, (loaded) => progress(loaded, size), hashes ? [hashes.sha256, hashes.xxh128] : []);
    if (size !== undefined && bytes.length !== size) {
      throw new RerankError('model_load_failed', `The download of ${entry.file} from ${entry.url} ended after ${bytes.length} of ${size} bytes.`);
    }
    // The hash of what arrived is what a later read must match.
    const stored = writer && hashes ? await writer.finish({ sha256: hashes.sha256.hex(), xxh128: hashes.xxh128.hex() }) : false;
    return { bytes, stored };
  } catch (error) {
    await writer?.abort();
    throw error instanceof RerankError ? error : new RerankError('model_load_failed', `The download of ${entry.file} from ${entry.url} failed: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
  }
}

/**
 * Reads the body into one buffer, writing each piece to the store as it comes. With a known size
 * the buffer is allocated once; without (a compressed answer), pieces are joined at the end.
 */
async function readBody(response: Response, size: number | undefined, writer: StoreWriter | undefined, onBytes: (loaded: number) => void, hashes: IncrementalHash[]): Promise<Uint8Array> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const whole = size !== undefined ? new Uint8Array(size) : undefined;
  const pieces: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (whole) {
      // More bytes than announced: keep them, the length check after the loop reports it.
      if (loaded + value.length > whole.length) pieces.push(value);
      else whole.set(value, loaded);
    } else {
      pieces.push(value);
    }
    loaded += value.length;
    for (const hash of hashes) hash.update(value);
    await writer?.write(value);
    onBytes(loaded);
  }
  if (whole && pieces.length === 0) return loaded === whole.length ? whole : whole.subarray(0, loaded);
  const joined = new Uint8Array(loaded);
  let offset = 0;
  if (whole) {
    joined.set(whole.subarray(0, Math.min(loaded, whole.length)));
    offset = whole.length;
  }
  for (const piece of pieces) {
    joined.set(piece, offset);
    offset += piece.length;
  }
  return joined;
}

/** Content-Length when it is the length of the body we read (not of a compressed transfer). */
function plainLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding && encoding !== 'identity') return undefined;
  const length = Number(response.headers.get('content-length'));
  return Number.isSafeInteger(length) && length > 0 ? length : undefined;
}

/** An HTML page where a model file (JSON, ONNX, binary) was asked for. */
function isHtml(response: Response, file: string): boolean {
  return !/\.html?$/i.test(file) && /^text\/html\b/i.test(response.headers.get('content-type') ?? '');
}
