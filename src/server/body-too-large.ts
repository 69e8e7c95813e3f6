/**
 * The 413 of a body over the limit — raw or decoded — and the one way bounded reads put their
 * chunks together.
 */
import { RerankError } from '../core/errors.js';

/**
 * The 413 for a body over the limit. `unread` says part of the body is still on the connection
 * (the drain gave up, or the Content-Length was past its bound): the client may not hear the
 * answer. The server closes the connection after any 413 of this kind.
 */
export class BodyTooLargeError extends RerankError {
  constructor(
    maxBytes: number,
    readonly unread: boolean,
    what = 'The request body',
  ) {
    super('payload_too_large', `${what} is larger than this server's limit of ${maxBytes} bytes.`);
  }
}

/** The chunks, `size` bytes in all, as one array. */
export function concatChunks(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
