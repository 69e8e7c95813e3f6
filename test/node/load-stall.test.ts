/**
 * A model load that stops making progress ends in a typed 503 `model_load_stalled` that names what
 * it waited for — never a promise that hangs. The model files come over real HTTP from a local
 * server that can stall a file halfway or trickle it slowly.
 */
import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isRerankError } from '../../src/core/errors.js';
import { createReranker } from '../../src/node.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';

const modelDir = inject('tinyModelDir');
const MODEL_FILE = 'onnx/model_quantized.onnx';

/** How each request for the model file is answered. */
let modelFileMode: 'stall' | 'trickle' = 'stall';
let server: Server;
let baseUrl: string;
const openResponses = new Set<ServerResponse>();

beforeAll(async () => {
  // Every load here must come over HTTP, not from a disk cache an earlier run filled.
  env.cacheDir = await mkdtemp(join(tmpdir(), 'webrerank-stall-cache-'));
  server = createServer((request, response) => {
    const path = decodeURIComponent((request.url ?? '/').split('?')[0] as string).replace(/^\/tiny\//, '');
    const file = join(modelDir, path);
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      response.statusCode = 404;
      response.end();
      return;
    }
    response.setHeader('Content-Length', String(size));
    if (path !== MODEL_FILE) {
      createReadStream(file).pipe(response);
      return;
    }
    openResponses.add(response);
    response.on('close', () => openResponses.delete(response));
    const half = Math.floor(size / 2);
    if (modelFileMode === 'stall') {
      // Half the file, then silence with the connection open: the bytes simply stop coming.
      createReadStream(file, { end: half - 1 }).on('data', (chunk) => response.write(chunk));
      return;
    }
    // The whole file, 16 slices 150 ms apart: 2.4 s in all, slower than the stall time, never quiet that long.
    const slices = 16;
    const step = Math.ceil(size / slices);
    let sent = 0;
    const next = () => {
      if (sent >= size) return void response.end();
      const end = Math.min(size, sent + step) - 1;
      createReadStream(file, { start: sent, end }).on('data', (chunk) => response.write(chunk)).on('end', () => {
        sent = end + 1;
        setTimeout(next, 150);
      });
    };
    next();
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tiny/`;
});

afterAll(async () => {
  for (const response of openResponses) response.destroy();
  await new Promise<void>((closed) => server.close(() => closed()));
  await rm(env.cacheDir as string, { recursive: true, force: true });
});

describe('a model load that makes no progress', () => {
  it('rejects with 503 model_load_stalled naming the file whose bytes stopped, after the stall time', async () => {
    modelFileMode = 'stall';
    const started = performance.now();
    const failure = await createReranker({ models: [{ id: HOSTED_EXAMPLE.model, source: { url: baseUrl } }], loadStallTimeoutMs: 1_000 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    const elapsed = performance.now() - started;
    expect(isRerankError(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 503, code: 'model_load_stalled' });
    expect((failure as Error).message).toMatch(/made no progress for 1 s while waiting for more bytes of onnx\/model_quantized\.onnx from http:\/\/127\.0\.0\.1:\d+\/tiny\/ \(0\.\d of 0\.\d MB so far\)/);
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(20_000);
  });

  it('does not cut off a slow load that keeps making progress', async () => {
    modelFileMode = 'trickle';
    const started = performance.now();
    const reranker = await createReranker({ models: [{ id: HOSTED_EXAMPLE.model, source: { url: baseUrl } }], loadStallTimeoutMs: 1_000 });
    try {
      expect(performance.now() - started).toBeGreaterThan(1_000);
      const response = await reranker.rerank(HOSTED_EXAMPLE);
      expect(response.results).toHaveLength(HOSTED_EXAMPLE.documents.length);
    } finally {
      await reranker.dispose();
    }
  });
});
