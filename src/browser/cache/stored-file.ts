/**
 * Reading a file back from the model store, checked against the size and hash recorded when it was
 * downloaded as it is read — without ever holding a second copy of it.
 *
 * Where the worker can open the file synchronously (an OPFS sync access handle: dedicated workers),
 * the file is not read into memory at all: {@link openStoredBytes} gives a `Uint8Array` that reads
 * on demand, which onnxruntime-web takes as external data. It reads each tensor's bytes (and
 * nothing else) with `subarray(offset, end)` while it builds the session, so the weights go from
 * the disk into the WASM heap: at the session's peak the weights are in memory once, in WASM, plus
 * one tensor in transit, instead of the whole file in JS besides.
 * Elsewhere (a SharedWorker, the page's own thread) the file is streamed into one buffer.
 */
import type { ByteSource } from '../../engine/external-weights.js';
import { incrementalHash } from './file-digest.js';

/** What a read must match: the size and XXH3-128 recorded at download. */
export interface StoredDigests {
  bytes: number;
  xxh128: string;
}

// Bytes read (and hashed) at a time when checking a file read on demand.
const CHECK_PIECE_BYTES = 8 * 2 ** 20;

/** OPFS's synchronous handle, as far as reading goes (not yet in every TypeScript DOM lib). */
interface SyncReadHandle {
  read(buffer: Uint8Array, options: { at: number }): number;
  getSize(): number;
  close(): void;
}

/**
 * A stored file's bytes, read on demand: a `Uint8Array` of length 0 whose `length`, `byteLength`
 * and `subarray()` are the file's — the three things onnxruntime-web's external data loader uses
 * — plus the {@link ByteSource} the ONNX splitter reads. `readInto` fills a buffer of the
 * caller's; `close()` lets the file go.
 *
 * `subarray()` returns a view of one scratch buffer that the next call overwrites: onnxruntime
 * copies each tensor into its heap before it asks for the next, and a fresh buffer per tensor
 * would leave most of the model as garbage that V8 does not collect inside the runtime's one
 * synchronous session build. So the scratch costs the largest tensor (the embeddings), once.
 */
export type StoredFileBytes = Uint8Array & ByteSource & { readInto(target: Uint8Array, at: number): void; close(): void };

/**
 * The file behind `handle`, read on demand, or undefined where it can't be opened synchronously
 * (no sync access handles here, or the file is locked by a writer).
 */
export async function openStoredBytes(handle: FileSystemFileHandle): Promise<StoredFileBytes | undefined> {
  const open = (handle as unknown as { createSyncAccessHandle?: (options?: { mode: string }) => Promise<SyncReadHandle> }).createSyncAccessHandle;
  if (typeof open !== 'function') return undefined;
  let sync: SyncReadHandle;
  try {
    // 'read-only' lets several tabs read the same model at once (Chromium 121+; others ignore it).
    sync = await open.call(handle, { mode: 'read-only' });
  } catch {
    return undefined;
  }
  return bytesOnDemand({ size: sync.getSize(), read: throughBounceBuffer((target, at) => sync.read(target, { at })), close: () => sync.close() });
}

// Bytes the browser reads into at a time (see throughBounceBuffer).
const BOUNCE_BYTES = 4 * 2 ** 20;

/**
 * `read` made to fill its targets by way of one small buffer of its own, copied from. A buffer
 * handed to a browser API (here OPFS's `read`) stays alive until V8's next full collection even
 * once JS detaches it: the browser's own wrapper of it holds its memory. Handed the tensor scratch
 * itself, it would keep that scratch resident after the session was built, to be collected only
 * during the first rerank — on top of that rerank's own peak. The extra copy is cheap next to the
 * read (figures: docs/performance.md). A read fills at most `bounceBytes` per call; {@link bytesOnDemand} calls again for the rest.
 */
export function throughBounceBuffer(read: (target: Uint8Array, at: number) => number, bounceBytes = BOUNCE_BYTES): (target: Uint8Array, at: number) => number {
  let bounce: Uint8Array | undefined;
  return (target, at) => {
    bounce ??= new Uint8Array(bounceBytes);
    const got = read(bounce.subarray(0, Math.min(target.length, bounceBytes)), at);
    if (got > 0) target.set(bounce.subarray(0, got));
    return got;
  };
}

/** A file that can be read synchronously at any offset. */
export interface SyncFile {
  readonly size: number;
  /** Reads into `target` from byte `at`; returns the bytes read (0 at the end). */
  read(target: Uint8Array, at: number): number;
  close(): void;
}

// The splitter reads the graph's field headers one byte at a time; a window makes that a few
// hundred reads of the file instead of millions.
const WINDOW_BYTES = 64 * 1024;

/** `file`'s bytes, read on demand (see {@link StoredFileBytes}). */
export function bytesOnDemand(file: SyncFile): StoredFileBytes {
  const size = file.size;
  let window: Uint8Array = new Uint8Array(0);
  let windowStart = 0;
  let scratch: Uint8Array = new Uint8Array(0);
  const readInto = (target: Uint8Array, at: number): void => {
    let filled = 0;
    while (filled < target.length) {
      const got = file.read(target.subarray(filled), at + filled);
      if (got <= 0) throw new Error(`The stored model file ended at byte ${at + filled} of ${size}.`);
      filled += got;
    }
  };
  const span = (begin: number, end: number) => {
    const start = Math.max(0, Math.min(begin, size));
    return { start, length: Math.max(0, Math.min(end, size) - start) };
  };
  const read = (begin: number, end: number): Uint8Array => {
    const { start, length } = span(begin, end);
    const bytes = new Uint8Array(length);
    readInto(bytes, start);
    return bytes;
  };
  const bytes = new Uint8Array(0);
  Object.defineProperties(bytes, {
    length: { get: () => size },
    byteLength: { get: () => size },
    subarray: {
      value: (begin = 0, end = size) => {
        const { start, length } = span(begin, end);
        if (scratch.length < length) scratch = new Uint8Array(length);
        const view = scratch.subarray(0, length);
        readInto(view, start);
        return view;
      },
    },
    bytes: { value: read },
    readInto: { value: readInto },
    byteAt: {
      value: (index: number) => {
        if (index < 0 || index >= size) return 0;
        if (index < windowStart || index >= windowStart + window.length) {
          windowStart = index;
          window = read(index, index + WINDOW_BYTES);
        }
        return window[index - windowStart] as number;
      },
    },
    close: {
      value: () => {
        freeNow(scratch);
        scratch = new Uint8Array(0);
        window = scratch;
        file.close();
      },
    },
  });
  return bytes as StoredFileBytes;
}

/**
 * Frees `bytes`' memory now rather than at V8's next full collection (which a synchronous session
 * build, or the first rerank after it, may run well before): detaching an ArrayBuffer releases its
 * store at once — provided no browser API was handed the buffer (the browser's wrapper of it keeps
 * the store until the collection: see {@link throughBounceBuffer}). Where `transfer` is missing,
 * the collector frees it as before.
 */
export function freeNow(bytes: Uint8Array): void {
  const buffer = bytes.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer; detached?: boolean };
  if (buffer.byteLength > 0 && !buffer.detached && !(typeof SharedArrayBuffer !== 'undefined' && bytes.buffer instanceof SharedArrayBuffer)) buffer.transfer?.(0);
}

/** Whether the file behind `bytes` is the one recorded; reads it once, a piece at a time. */
export async function matchesRecord(bytes: StoredFileBytes, expected: StoredDigests, onBytes?: (loaded: number) => void): Promise<boolean> {
  if (bytes.length !== expected.bytes) return false;
  const hash = await incrementalHash('xxh128');
  const piece = new Uint8Array(CHECK_PIECE_BYTES);
  for (let offset = 0; offset < expected.bytes; offset += CHECK_PIECE_BYTES) {
    const view = piece.subarray(0, Math.min(CHECK_PIECE_BYTES, expected.bytes - offset));
    bytes.readInto(view, offset);
    hash.update(view);
    onBytes?.(offset + view.length);
  }
  freeNow(piece);
  return hash.hex() === expected.xxh128;
}

/**
 * Reads a stream of exactly `expected.bytes` into one buffer, hashing as it comes; undefined if it
 * ends early, overruns or the hash differs.
 */
export async function readVerified(stream: ReadableStream<Uint8Array>, expected: StoredDigests, onBytes?: (loaded: number) => void): Promise<Uint8Array | undefined> {
  const size = expected.bytes;
  const bytes = new Uint8Array(size);
  const hash = await incrementalHash('xxh128');
  let loaded = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length > size) {
      await reader.cancel();
      return undefined;
    }
    bytes.set(value, loaded);
    hash.update(value);
    loaded += value.length;
    onBytes?.(loaded);
  }
  return loaded === size && hash.hex() === expected.xxh128 ? bytes : undefined;
}
