/**
 * Body decoders Node has and its DecompressionStream lacks: brotli (`Content-Encoding: br`), from
 * node:zlib, which stops at `maxOutputLength` — so the decoded-size limit holds here too.
 */
import { brotliDecompress } from 'node:zlib';
import { BodyTooLargeError } from '../body-too-large.js';
import type { ContentDecoders } from '../content-encoding.js';

export const NODE_CONTENT_DECODERS: ContentDecoders = Object.freeze({
  br: (encoded: Uint8Array, maxBytes: number) =>
    new Promise<Uint8Array>((resolve, reject) => {
      brotliDecompress(encoded, { maxOutputLength: maxBytes }, (error, result) => {
        if (!error) resolve(new Uint8Array(result.buffer, result.byteOffset, result.byteLength));
        else if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') reject(new BodyTooLargeError(maxBytes, false, 'The decoded request body'));
        else reject(error);
      });
    }),
});
