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
import { answerOf, sourceProblem, type FileAnswer } from './model-source-check.js';

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
  const answers = await Promise.all(files.map((file) => knownAnswer(file, options.store)));
  // A mistake in the model's source is named before anything large downloads.
  const problem = await sourceProblem(files.map((file, index) => ({ ...file, answer: answers[index] as FileAnswer })), headAnswer);
  if (problem) throw problem;
  const sizes = answers.map((answer) => (answer.kind === 'there' ? answer.size : undefined));
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

/** What the store recorded (then the file is there, with its size), else what a HEAD request says. */
async function knownAnswer(file: ModelFile, store: ModelStore | null): Promise<FileAnswer> {
  const stored = await store?.size(file.url);
  if (stored !== undefined) return { kind: 'there', size: stored };
  return headAnswer(file.url, file.file);
}

/** A HEAD request's answer about `url`, with the file's size when the server says it. */
async function headAnswer(url: string, file = url): Promise<FileAnswer> {
  try {
    const head = await fetch(url, { method: 'HEAD' });
    const answer = answerOf(head, file);
    if (answer.kind !== 'there') return answer;
    const size = plainLength(head);
    return size === undefined ? answer : { kind: 'there', size };
  } catch {
    // Unreachable now: the download itself reports it, with the reason.
    return { kind: 'unknown' };
  }
}

async function download(entry: ModelFile, options: DownloadOptions, progress: (bytes: number, total: number | undefined) => void): Promise<{ bytes: Uint8Array; stored: boolean }> {
  let response: Response;
  try {
    response = await fetch(entry.url);
  } catch (error) {
    // The browser's own text ("Failed to fetch") says nothing more; it stays in `cause`.
    throw new RerankError('model_load_failed', `Could not download ${entry.file} from ${entry.url}: the server could not be reached, or it does not let this page read the file (CORS).`, { cause: error });
  }
  const answer = answerOf(response, entry.file);
  if (answer.kind !== 'there') {
    await response.body?.cancel();
    // A server that does not answer HEAD is found out here, with the same words.
    throw (await sourceProblem([{ ...entry, answer }], headAnswer)) ?? new RerankError('model_load_failed', `The model file ${entry.file} could not be downloaded from ${entry.url} (HTTP ${response.status}).`);
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

