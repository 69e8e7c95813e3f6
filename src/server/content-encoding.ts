/**
 * Decoding a compressed request body (`Content-Encoding: gzip`, `deflate`, `br`), with the body
 * limit applied to the *decoded* size: decoding stops at the limit, so a zip bomb (a few KB that
 * inflate to gigabytes) gets a 413 and costs no more memory than an honest body.
 *
 * Web APIs only (DecompressionStream), so the server app runs on any runtime; a runtime whose
 * DecompressionStream lacks a format (Node has no 'brotli') can hand in its own decoder.
 */
import { RerankError, excerpt } from '../core/errors.js';
import { BodyTooLargeError, concatChunks } from './body-too-large.js';

/**
 * Decodes one encoding of a body: the decoded bytes, a `BodyTooLargeError` once they pass
 * `maxBytes`, or any other error for data that isn't in that format.
 */
export type ContentDecoder = (encoded: Uint8Array, maxBytes: number) => Promise<Uint8Array>;

/** Decoders by `Content-Encoding` token (lower case). */
export type ContentDecoders = Readonly<Record<string, ContentDecoder>>;

/** The decoders this platform's DecompressionStream offers: gzip and deflate, br where supported. */
export function webContentDecoders(): ContentDecoders {
  const gzip = streamDecoder('gzip');
  // HTTP's "deflate" is the zlib format, but some clients send raw deflate: accept both.
  const zlib = streamDecoder('deflate');
  const raw = streamDecoder('deflate-raw');
  const decoders: Record<string, ContentDecoder> = {
    gzip,
    'x-gzip': gzip,
    deflate: (encoded, maxBytes) => zlib(encoded, maxBytes).catch((error: unknown) => (error instanceof BodyTooLargeError ? Promise.reject(error) : raw(encoded, maxBytes))),
  };
  if (supportsFormat('brotli')) decoders.br = streamDecoder('brotli');
  return decoders;
}

/**
 * `body` decoded by every encoding its `Content-Encoding` header lists (last applied, first
 * undone). No header or `identity`: the body as it is.
 */
export async function decodeContentEncoding(body: Uint8Array, header: string | null, maxBytes: number, decoders: ContentDecoders): Promise<Uint8Array> {
  const encodings = (header ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '' && token !== 'identity');
  for (const encoding of encodings) {
    if (!decoders[encoding]) {
      throw new RerankError('unsupported_encoding', `Content-Encoding "${excerpt(encoding)}" is not supported here; send the body as it is, or with ${Object.keys(decoders).join(', ')}.`);
    }
  }
  let bytes = body;
  for (const encoding of encodings.reverse()) {
    const decode = decoders[encoding] as ContentDecoder;
    try {
      bytes = await decode(bytes, maxBytes);
    } catch (error) {
      if (error instanceof RerankError) throw error;
      throw new RerankError('invalid_request', `The request body is not valid ${encoding} data.`);
    }
  }
  return bytes;
}

type StreamFormat = ConstructorParameters<typeof DecompressionStream>[0] | 'brotli';

function supportsFormat(format: StreamFormat): boolean {
  try {
    new DecompressionStream(format as CompressionFormat);
    return true;
  } catch {
    return false;
  }
}

/** A decoder on DecompressionStream that stops reading once the output passes `maxBytes`. */
function streamDecoder(format: StreamFormat): ContentDecoder {
  return async (encoded, maxBytes) => {
    const input = new Blob([encoded as Uint8Array<ArrayBuffer>]).stream();
    const reader = input.pipeThrough(new DecompressionStream(format as CompressionFormat)).getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new BodyTooLargeError(maxBytes, false, 'The decoded request body');
      }
      chunks.push(value);
    }
    return concatChunks(chunks, size);
  };
}
