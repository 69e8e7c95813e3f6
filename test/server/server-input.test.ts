/**
 * `webrerank serve` with input of any size, over real HTTP: documents and queries far past what
 * the model keeps get a 200; an oversized upload's 413 reaches every common client; compressed
 * bodies rank; and the server keeps answering while it works on a 5 MB request.
 */
import { execFile } from 'node:child_process';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { CohereClient, CohereError } from 'cohere-ai';
import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RerankResponse } from '../../src/core/contract.js';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { fourMegabyteTexts, oneMegabyteQuery } from '../kit/large-inputs.js';
import { failOnUnhandledRejections } from '../support/unhandled-rejections.js';

const modelPath = inject('tinyModelDir');
const run = promisify(execFile);

failOnUnhandledRejections();

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ engine: { modelPath }, port: 0, log: () => undefined });
  await server.ready;
});
afterAll(() => server.close());

function post(body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
}

async function expectRanking(response: Response, documents: number): Promise<RerankResponse> {
  expect(response.status).toBe(200);
  const body = (await response.json()) as RerankResponse;
  expect(body.results.map((result) => result.index).sort((a, b) => a - b)).toEqual([...Array(documents).keys()]);
  return body;
}

describe('input far past what the model keeps', () => {
  it.each(Object.entries(fourMegabyteTexts()))('ranks a 4 MB document of %s: 200', async (_kind, text) => {
    await expectRanking(await post(JSON.stringify({ ...HOSTED_EXAMPLE, documents: [text, 'a short one'] })), 2);
  });

  it('ranks against a 1 MB query: 200', async () => {
    await expectRanking(await post(JSON.stringify({ ...HOSTED_EXAMPLE, query: oneMegabyteQuery() })), HOSTED_EXAMPLE.documents.length);
  });

  it('scores a 4 MB document as its first window, as if it had been truncated', async () => {
    const text = fourMegabyteTexts().words as string;
    const whole = await expectRanking(await post(JSON.stringify({ ...HOSTED_EXAMPLE, documents: [text] })), 1);
    const start = await expectRanking(await post(JSON.stringify({ ...HOSTED_EXAMPLE, documents: [text.slice(0, 20_000)] })), 1);
    expect(whole.results[0]?.relevance_score).toBe(start.results[0]?.relevance_score);
    expect(whole.usage.total_tokens).toBe(start.usage.total_tokens);
  });
});

describe('compressed bodies', () => {
  const body = Buffer.from(JSON.stringify(HOSTED_EXAMPLE));

  it.each([
    ['gzip', gzipSync(body)],
    ['deflate', deflateSync(body)],
    ['br', brotliCompressSync(body)],
  ])('ranks a %s body', async (encoding, compressed) => {
    await expectRanking(await post(compressed, { 'Content-Encoding': encoding }), HOSTED_EXAMPLE.documents.length);
  });

  it('refuses a gzip bomb with 413 once it inflates past the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    const response = await post(bomb, { 'Content-Encoding': 'gzip' });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('refuses an encoding it cannot decode with 415', async () => {
    const response = await post(body, { 'Content-Encoding': 'compress' });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unsupported_encoding');
  });
});

describe('a refused upload is heard by every client', () => {
  const SIZES = { '6 MB': 6 * 1024 * 1024, '50 MB': 50 * 1024 * 1024 };
  const oversized = (bytes: number) => JSON.stringify({ ...HOSTED_EXAMPLE, documents: ['x'.repeat(bytes)] });

  /** The error body every client must get: the server's own 413. */
  function expect413(status: number | undefined, text: string): void {
    expect(status).toBe(413);
    expect(JSON.parse(text)).toMatchObject({ error: { status: 413, code: 'payload_too_large' } });
  }

  it.each(Object.entries(SIZES))('Node fetch, %s', async (_size, bytes) => {
    const response = await post(oversized(bytes));
    expect413(response.status, await response.text());
  });

  it.each(Object.entries(SIZES))('undici, %s', async (_size, bytes) => {
    const response = await undiciRequest(`${server.url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: oversized(bytes) });
    expect413(response.statusCode, await response.body.text());
  });

  it.each(Object.entries(SIZES))('cohere-ai, %s', async (_size, bytes) => {
    const cohere = new CohereClient({ token: 'unused', environment: server.url });
    const refusal = await cohere.rerank({ model: HOSTED_EXAMPLE.model, query: HOSTED_EXAMPLE.query, documents: ['x'.repeat(bytes)] }, { maxRetries: 0 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(CohereError);
    expect413((refusal as CohereError).statusCode, JSON.stringify((refusal as CohereError).body));
  });

  it.each(Object.entries(SIZES))('Python httpx (Debian python3-httpx), %s', async (_size, bytes) => {
    // The hosted API's own Python example, with a body past the limit.
    const script = [
      'import httpx, sys, json',
      `body = json.dumps({"model": "m", "query": "q", "documents": ["x" * ${bytes}]})`,
      'r = httpx.post(sys.argv[1] + "/v1/rerank", content=body, headers={"Content-Type": "application/json"}, timeout=60)',
      'print(r.status_code); print(r.text)',
    ].join('\n');
    const { stdout } = await run('/usr/bin/python3', ['-c', script, server.url], { maxBuffer: 1024 * 1024 });
    const [status, text] = stdout.split('\n');
    expect413(Number(status), text ?? '');
  });

  it.each(Object.entries(SIZES))('curl, %s', async (_size, bytes) => {
    const { stdout } = await run('sh', ['-c', `head -c ${bytes} /dev/zero | tr '\\0' x | curl -s -w '\\n%{http_code}' -H 'Content-Type: application/json' --data-binary @- "$0/v1/rerank"`, server.url], { maxBuffer: 1024 * 1024 });
    const [text = '', status] = stdout.split('\n');
    expect413(Number(status), text ?? '');
  });
});
