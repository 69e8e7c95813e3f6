/**
 * Generated requests against a running `webrerank serve` — valid, invalid, huge, malformed, oddly
 * encoded, on every route — and not one 500: every answer is a ranking or a JSON error whose
 * status matches, the server never dies, and its memory does not creep up.
 *
 * CI sends FUZZ_COUNT requests (default 300); `npm run fuzz` sends 10,000.
 */
import { readFile } from 'node:fs/promises';
import { brotliCompressSync, brotliDecompressSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { median } from '../../bench/core.js';
import { startServeProcess, untilHealthy, type ServeProcess } from '../../tools/harness/serve-process.js';

const modelPath = inject('tinyModelDir');
const COUNT = Number(process.env.FUZZ_COUNT ?? 300);
const MODEL = 'BAAI/bge-reranker-v2-m3';

let serve: ServeProcess;

beforeAll(async () => {
  serve = await startServeProcess(['--model-path', modelPath, '--port', '0', '--max-length', '64']);
  await untilHealthy(serve.url);
});
afterAll(() => serve.stop());

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array | string;
}

const text = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 }), fc.string({ unit: 'binary', maxLength: 50 }), fc.constantFrom('', ' ', '<mask>', '\u2581', 'a'.repeat(300_000)));
const validRequest = fc.record(
  {
    model: fc.constant(MODEL),
    query: text,
    documents: fc.array(text, { maxLength: 12 }),
    top_n: fc.oneof(fc.integer({ min: -2, max: 20 }), fc.constant(null)),
    return_documents: fc.oneof(fc.boolean(), fc.constant(null)),
    max_chunks_per_doc: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(null)),
  },
  { requiredKeys: ['model', 'query', 'documents'] },
);
const json = fc.oneof(
  { weight: 6, arbitrary: validRequest.map((body) => JSON.stringify(body)) },
  { weight: 2, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.record({ model: fc.jsonValue(), query: fc.jsonValue(), documents: fc.jsonValue() }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: validRequest.chain((body) => fc.nat(400).map((cut) => JSON.stringify(body).slice(0, cut))) },
);
type EncodedBody = Pick<FuzzRequest, 'headers' | 'body'>;
const encodedBody: fc.Arbitrary<EncodedBody> = fc.oneof(
  { weight: 8, arbitrary: json.map((body): EncodedBody => ({ headers: { 'content-type': 'application/json' }, body })) },
  { weight: 2, arbitrary: fc.tuple(json, fc.constantFrom('gzip', 'deflate', 'br')).map(([body, encoding]): EncodedBody => ({ headers: { 'content-encoding': encoding }, body: compress(encoding, body) })) },
  { weight: 1, arbitrary: fc.tuple(json, fc.constantFrom('gzip', 'br', 'zstd', 'compress', 'gzip, gzip', 'identity', ' GZIP ')).map(([body, encoding]): EncodedBody => ({ headers: { 'content-encoding': encoding }, body })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((body): EncodedBody => ({ headers: {}, body })) },
  { weight: 1, arbitrary: fc.constantFrom<Uint8Array | string>(gzipSync(Buffer.alloc(32 * 1024 * 1024, 0x20)), 'x'.repeat(6 * 1024 * 1024)).map((body): EncodedBody => ({ headers: typeof body === 'string' ? {} : { 'content-encoding': 'gzip' }, body })) },
);
const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 12, arbitrary: encodedBody.map((body) => ({ method: 'POST', path: '/v1/rerank', ...body })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'), fc.constantFrom('/v1/rerank', '/health', '/v1/models', '/', '/v1', '/v1/rerank/x', '/%2e%2e/etc')).map(([method, path]) => ({ method, path, headers: {} })) },
  { weight: 1, arbitrary: encodedBody.map((body) => ({ method: 'POST', path: '/v1/models', ...body })) },
);

function compress(encoding: string, body: string): Uint8Array {
  if (encoding === 'gzip') return gzipSync(body);
  if (encoding === 'deflate') return deflateSync(body);
  return brotliCompressSync(body);
}

/** What a client may get back: a ranking, a model list, a health report, or a JSON error matching the status. */
async function checkResponse(request: FuzzRequest, response: Response): Promise<void> {
  const where = `${request.method} ${request.path} → ${response.status}`;
  expect(response.status, where).not.toBe(500);
  expect(response.status < 500 || response.status === 503, where).toBe(true);
  if (request.method === 'HEAD' || response.status === 204) return;
  const body = JSON.parse(await response.text()) as Record<string, unknown>;
  if (response.status >= 400) {
    expect(body, where).toMatchObject({ error: { status: response.status, code: expect.any(String), message: expect.any(String) } });
  } else if (request.path === '/v1/rerank') {
    const results = body.results as { index: number; relevance_score: number }[];
    const documents = (JSON.parse(decoded(request)) as { documents: unknown[] }).documents;
    expect(results.length, where).toBeLessThanOrEqual(documents.length);
    for (const result of results) {
      expect(result.index).toBeLessThan(documents.length);
      expect(result.relevance_score).toBeGreaterThan(0);
      expect(result.relevance_score).toBeLessThan(1);
    }
  } else {
    expect(body, where).toBeTypeOf('object');
  }
}

/** The JSON a request carried, undoing its encoding (only 200s are decoded: those were valid). */
function decoded(request: FuzzRequest): string {
  const { body = '' } = request;
  if (typeof body === 'string') return body;
  const encoding = request.headers['content-encoding'];
  if (encoding === 'gzip') return gunzipSync(body).toString();
  if (encoding === 'deflate') return inflateSync(body).toString();
  if (encoding === 'br') return brotliDecompressSync(body).toString();
  return Buffer.from(body).toString();
}

async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
}

/**
 * Memory is judged only over a long run (`npm run fuzz`: 10,000 requests, the criterion).
 * Over CI's few hundred, one 5–6 MB body still held by the allocator is several percent of a
 * ~250 MB process: CI measured +5.5 % in one run and under 5 % in another on the same code, so there
 * it is logged, not judged.
 */
const STEADY_MEMORY_FROM = 2_000;
/** Readings of the server's RSS per quarter of the run. */
const READINGS_PER_QUARTER = 25;

const mebibytes = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

describe('the HTTP surface under generated requests', () => {
  it(`answers ${COUNT} of them without a 500, each a ranking or a JSON error${COUNT >= STEADY_MEMORY_FROM ? ', in steady memory' : ''}`, async () => {
    const requests = fc.sample(fuzzRequest, { numRuns: COUNT, seed: Number(process.env.FUZZ_SEED ?? 11) });
    const send = async (request: FuzzRequest): Promise<void> => {
      const init: RequestInit = { method: request.method, headers: request.headers };
      if (request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD') init.body = request.body as BodyInit;
      const response = await fetch(`${serve.url}${request.path}`, init).catch((error: unknown) => {
        throw new Error(`${request.method} ${request.path} ${JSON.stringify(request.headers)} with ${request.body?.length ?? 0} bytes got no answer: ${String(error)} (${String((error as Error).cause)}); server stderr: ${serve.stderr.slice(-20).join('\n')}`);
      });
      await checkResponse(request, response);
    };
    // The first quarter is the warm-up: every kind of request has come many times, and the runtime's
    // heaps, the word cache and malloc's arenas have grown to their working size. Memory is judged
    // from the second quarter to the last, on the median of each quarter's readings: a single reading
    // lands on whatever the server holds at that instant (a 5–6 MB body, V8's young-generation
    // pages that it returns only when idle — steps of 10–100 MB here), which a leak would not
    // explain away; a leak moves every reading.
    // Four clients at a time, as a small service would see.
    const BATCH = 4;
    const quarter = Math.max(BATCH, Math.floor(COUNT / 4));
    const readEvery = Math.max(BATCH, BATCH * Math.floor(quarter / READINGS_PER_QUARTER / BATCH));
    const readings: { done: number; rss: number }[] = [];
    const started = performance.now();
    for (let start = 0; start < requests.length; start += BATCH) {
      await Promise.all(requests.slice(start, start + BATCH).map(send));
      const done = Math.min(start + BATCH, requests.length);
      if (done % readEvery === 0 || done === requests.length) readings.push({ done, rss: await residentBytes(serve.pid) });
    }
    const seconds = (performance.now() - started) / 1000;
    expect((await fetch(`${serve.url}/health`)).status).toBe(200);
    const inQuarter = (q: number) => readings.filter(({ done }) => done > (q - 1) * quarter && done <= q * quarter).map(({ rss }) => rss);
    const atQuarterEnds = [1, 2, 3, 4].map((q) => inQuarter(q).at(-1) ?? 0);
    const medians = [1, 2, 3, 4].map((q) => median(inQuarter(q)) ?? Number.NaN);
    const growth = (medians[3] as number) / (medians[1] as number) - 1;
    console.log(
      `fuzz: ${COUNT} requests in ${seconds.toFixed(0)} s; server RSS (MiB) at each quarter ${atQuarterEnds.map(mebibytes).join(' / ')}, ` +
        `median per quarter ${medians.map(mebibytes).join(' / ')}; last quarter vs the second: ${(growth * 100).toFixed(1)} %`,
    );
    if (COUNT >= STEADY_MEMORY_FROM) expect(growth).toBeLessThan(0.05);
  }, 60_000 + COUNT * 250);
});
