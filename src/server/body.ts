/**
 * Reading a JSON request body with a size limit.
 *
 * The declared `Content-Length` is checked first and the bytes received are counted while reading
 * (a chunked body declares nothing), so an oversized body is never buffered. It is still *read*,
 * and dropped, up to a bound in bytes and time, before the 413 goes out: a server that answers
 * and closes while the client is still uploading makes most clients (httpx, Node's fetch, undici)
 * fail with a broken pipe instead of reading the answer. A body past the bound (or an upload that
 * stalls) gets the 413 at once. Either way the connection is closed after the answer.
 *
 * A compressed body (`Content-Encoding`) is decoded after reading, with the same limit on the
 * decoded size, so a zip bomb costs at most that much memory. Its nesting and item count are
 * checked in one pass before it is parsed (json-shape.ts), so no body can hold the event loop in
 * the parser.
 */
import { RerankError } from '../core/errors.js';
import { BodyTooLargeError, concatChunks } from './body-too-large.js';
import { BODY_ITEMS_PER_DOCUMENT, checkJsonShape } from './json-shape.js';
import { DEFAULT_MAX_DOCUMENTS } from '../core/request-limits.js';
import { decodeContentEncoding, webContentDecoders, type ContentDecoders } from './content-encoding.js';

export { BodyTooLargeError } from './body-too-large.js';

/** Default largest request body: 5 MB, far above 1000 documents of ordinary length. */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/** How much of an oversized body is read and dropped so the client hears the 413 (see above). */
export interface DrainBound {
  /** Most bytes read in all (default 64 MiB). */
  maxBytes: number;
  /** Most milliseconds spent draining (default 30 s): a slow or endless upload can't hold the socket. */
  maxMs: number;
}

export const DEFAULT_DRAIN_BOUND: Readonly<DrainBound> = Object.freeze({ maxBytes: 64 * 1024 * 1024, maxMs: 30_000 });

export interface BodyOptions {
  /** Decoders by `Content-Encoding` token; default: gzip and deflate (and br where the platform decodes it). */
  decoders?: ContentDecoders;
  drain?: DrainBound;
  /** Most items (array elements and object fields) the body may hold (default: 100 per document of the default maximum, 100,000). */
  maxItems?: number;
}

/**
 * The parsed JSON body of `request`, or a RerankError: 413 `payload_too_large` past `maxBytes`
 * (before or after decoding), 415 `unsupported_encoding` for a `Content-Encoding` it can't decode,
 * 400 `invalid_request` for an empty body, bad compressed data, invalid UTF-8 or invalid JSON,
 * 400 `invalid_documents` for nesting deeper than any request may hold and 413
 * `payload_too_large` past `maxItems` items (json-shape.ts).
 */
export async function readJsonBody(request: Request, maxBytes: number, options: BodyOptions = {}): Promise<unknown> {
  const drain = options.drain ?? DEFAULT_DRAIN_BOUND;
  const declared = request.headers.get('content-length');
  // Too large even to drain: answer now (the client may not hear it; nothing else is bounded).
  if (declared !== null && Number(declared) > Math.max(maxBytes, drain.maxBytes)) throw new BodyTooLargeError(maxBytes, true);
  if (!request.body) throw new RerankError('invalid_request', 'The request has no body; send a JSON object with model, query and documents.');

  const raw = await readBounded(request.body, maxBytes, drain, declared !== null && Number(declared) > maxBytes);
  const bytes = await decodeContentEncoding(raw, request.headers.get('content-encoding'), maxBytes, options.decoders ?? webContentDecoders());
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RerankError('invalid_request', 'The request body is not valid UTF-8.');
  }
  if (text.trim() === '') throw new RerankError('invalid_request', 'The request body is empty; send a JSON object with model, query and documents.');
  // Before parsing: the parser would hold the event loop for seconds on megabytes of brackets,
  // and for over 100 ms on a million tiny strings, before any check ran.
  checkJsonShape(text, { maxItems: options.maxItems ?? DEFAULT_MAX_DOCUMENTS * BODY_ITEMS_PER_DOCUMENT });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RerankError('invalid_request', `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Reads `body` whole if it fits `maxBytes`; past it (or when `tooLarge` is already known from
 * Content-Length), drains within `drain` and throws the 413.
 */
async function readBounded(body: ReadableStream<Uint8Array>, maxBytes: number, drain: DrainBound, tooLarge: boolean): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let drainUntil = tooLarge ? Date.now() + drain.maxMs : undefined;
  for (;;) {
    const next = drainUntil === undefined ? await reader.read() : await readBefore(reader, drainUntil);
    if (next === 'late') return giveUp(reader, maxBytes);
    if (next.done) break;
    size += next.value.byteLength;
    if (size <= maxBytes && drainUntil === undefined) {
      chunks.push(next.value);
      continue;
    }
    // Over the limit: keep reading, keep nothing.
    chunks.length = 0;
    drainUntil ??= Date.now() + drain.maxMs;
    if (size > drain.maxBytes) return giveUp(reader, maxBytes);
  }
  if (drainUntil !== undefined) throw new BodyTooLargeError(maxBytes, false);
  return concatChunks(chunks, size);
}

async function giveUp(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number): Promise<never> {
  await reader.cancel().catch(() => undefined);
  throw new BodyTooLargeError(maxBytes, true);
}

/** The next chunk, or 'late' when none arrives before `deadline` (ms since the epoch). */
function readBefore(reader: ReadableStreamDefaultReader<Uint8Array>, deadline: number): Promise<ReadableStreamReadResult<Uint8Array> | 'late'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([reader.read(), late]).finally(() => clearTimeout(timer));
}
