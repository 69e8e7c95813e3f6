/**
 * Reading a request body: compressed bodies decoded with the limit on the decoded size, unknown
 * encodings refused with 415, and an oversized body drained within its bound before the 413.
 */
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, readJsonBody } from '../../src/server/body.js';
import { NODE_CONTENT_DECODERS } from '../../src/server/node/node-decoders.js';
import { webContentDecoders } from '../../src/server/content-encoding.js';
import { withinMs } from '../support/timing.js';

const request = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request('http://localhost/v1/rerank', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
const json = Buffer.from(JSON.stringify({ query: 'fox', documents: ['a fox', 'a dog'] }));
const decoders = { ...webContentDecoders(), ...NODE_CONTENT_DECODERS };

describe('compressed bodies', () => {
  it.each([
    ['gzip', gzipSync(json)],
    ['x-gzip', gzipSync(json)],
    ['deflate', deflateSync(json)],
    ['deflate', deflateRawSync(json)], // raw deflate, as some clients send it
    ['br', brotliCompressSync(json)],
    ['gzip, br', brotliCompressSync(gzipSync(json))], // applied in order, undone in reverse
    ['identity', json],
  ])('decodes Content-Encoding: %s', async (encoding, body) => {
    expect(await readJsonBody(request(body, { 'content-encoding': encoding }), 1000, { decoders })).toEqual(JSON.parse(json.toString()));
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('refuses a %s bomb with 413 once its decoded size passes the limit, without inflating the rest', async (encoding, compress) => {
    const bomb = compress(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.byteLength).toBeLessThan(200_000);
    await expect(readJsonBody(request(bomb, { 'content-encoding': encoding }), 1_000_000, { decoders })).rejects.toMatchObject({ status: 413, code: 'payload_too_large', message: expect.stringMatching(/decoded/) });
  });

  it('refuses an encoding it cannot decode with 415, naming the ones it can', async () => {
    const refusal = readJsonBody(request(json, { 'content-encoding': 'zstd' }), 1000, { decoders });
    await expect(refusal).rejects.toMatchObject({ status: 415, code: 'unsupported_encoding', message: expect.stringMatching(/gzip.*br/) });
  });

  it('refuses data that is not in the encoding it claims with 400', async () => {
    await expect(readJsonBody(request(json, { 'content-encoding': 'gzip' }), 1000, { decoders })).rejects.toMatchObject({ status: 400, code: 'invalid_request', message: expect.stringMatching(/not valid gzip/) });
  });
});

describe('an oversized body', () => {
  const stream = (chunks: number, size: number, endless = false) => {
    let sent = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < chunks) controller.enqueue(new Uint8Array(size).fill(32));
        else if (!endless) controller.close();
      },
    });
  };

  it('is read to its end before the 413, so the client hears it', async () => {
    const refusal = readJsonBody(request(stream(10, 100)), 300, { drain: { maxBytes: 10_000, maxMs: 5000 } });
    await expect(refusal).rejects.toBeInstanceOf(BodyTooLargeError);
    await expect(refusal).rejects.toMatchObject({ status: 413, unread: false });
  });

  it('refused by its Content-Length is still drained, however few bytes actually come', async () => {
    await expect(readJsonBody(request('{}', { 'content-length': '1000' }), 100)).rejects.toMatchObject({ status: 413, unread: false });
  });

  it('is given up past the byte bound: 413 with the body unread', async () => {
    await expect(readJsonBody(request(stream(100, 100)), 300, { drain: { maxBytes: 2000, maxMs: 5000 } })).rejects.toMatchObject({ status: 413, unread: true });
  });

  it('is given up past the time bound when the upload stalls: 413 with the body unread', async () => {
    const started = performance.now();
    await expect(readJsonBody(request(stream(5, 100, true)), 300, { drain: { maxBytes: 1_000_000, maxMs: 200 } })).rejects.toMatchObject({ status: 413, unread: true });
    expect(performance.now() - started).toBeLessThan(withinMs(1000));
  });

  it('with a Content-Length past the byte bound is refused at once', async () => {
    await expect(readJsonBody(request(stream(1, 10), { 'content-length': String(1e12) }), 300)).rejects.toMatchObject({ status: 413, unread: true });
  });
});
