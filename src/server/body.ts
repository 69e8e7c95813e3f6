/**
 * Reading a JSON request body with a size limit: the declared `Content-Length` is checked before
 * reading, and the bytes actually received are counted while reading (a chunked body declares
 * nothing), so an oversized body is refused without being buffered.
 */
import { RerankError } from '../core/errors.js';

/** Default largest request body: 5 MB, far above 1000 documents of ordinary length. */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * The parsed JSON body of `request`, or a RerankError: 413 `payload_too_large` past `maxBytes`,
 * 400 `invalid_request` for an empty body, invalid UTF-8 or invalid JSON.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) throw new RerankError('invalid_request', 'The request has no body; send a JSON object with model, query and documents.');

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Stop the upload here rather than reading the rest only to drop it.
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }

  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RerankError('invalid_request', 'The request body is not valid UTF-8.');
  }
  if (text.trim() === '') throw new RerankError('invalid_request', 'The request body is empty; send a JSON object with model, query and documents.');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RerankError('invalid_request', `The request body is not valid JSON: ${(error as Error).message}`);
  }
}

function tooLarge(maxBytes: number): RerankError {
  return new RerankError('payload_too_large', `The request body is larger than this server's limit of ${maxBytes} bytes.`);
}
