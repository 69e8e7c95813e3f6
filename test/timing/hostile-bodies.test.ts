/**
 * Generated hostile bodies for each dialect — object documents with many and repeated
 * `rank_fields`, deep nesting, huge chunk and token options, repeated documents — sent one after
 * another to a running `webrerank serve`. For every body the server answers once, with a status of
 * its table and a JSON body of that dialect; it stays up; and `/health` answers within 100 ms
 * (200 ms under CI) while the body is being worked on.
 *
 * CI sends HOSTILE_COUNT bodies (default 300), within a time budget; `npm run fuzz` sends more.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startServeProcess, untilHealthy, type ServeProcess } from '../kit/serve-process.js';
import { withinMs } from '../support/timing.js';

const modelPath = inject('tinyModelDir');
const COUNT = Number(process.env.HOSTILE_COUNT ?? 300);
const BUDGET_MS = Number(process.env.HOSTILE_BUDGET_MS ?? 240_000);
const MODEL = 'BAAI/bge-reranker-v2-m3';
const HEALTH_BOUND_MS = withinMs(100);

let serve: ServeProcess;

beforeAll(async () => {
  serve = await startServeProcess(['--model-path', modelPath, '--port', '0', '--max-length', '64'], { WEBRERANK_API_KEYS: '' });
  await untilHealthy(serve.url);
  // The first request of each kind compiles the server's code paths: that is not what is measured.
  for (const sample of fc.sample(hostileBody, { numRuns: 12, seed: 1 })) await send(sample);
});
afterAll(() => serve.stop());

interface HostileBody {
  path: '/v1/rerank' | '/v2/rerank' | '/rerank';
  body: string;
}

const fieldName = fc.constantFrom('a', 'text', 'title', 'body', 'constructor', 'toString', '__proto__', 'x'.repeat(200));
const fieldValue = fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.constant('word '.repeat(2000)), fc.jsonValue({ maxDepth: 3 }));
const objectDocument = fc.dictionary(fieldName, fieldValue, { maxKeys: 6 });
/** A list of `item` repeated up to many times: what a small request can ask to be done over and over. */
const repeated = <T>(item: fc.Arbitrary<T>, most: number) => fc.tuple(item, fc.integer({ min: 0, max: most })).map(([value, times]) => Array<T>(times).fill(value));
const count = fc.oneof(fc.integer({ min: -2, max: 100 }), fc.constantFrom(1e9, 2 ** 31, 1.5, 65, 64));
/** Documents `depth` levels deep, written as text (a generator would build them recursively). */
const deepDocument = fc.integer({ min: 1, max: 100_000 }).map((depth) => `{"text":"t","deep":${'['.repeat(depth)}${']'.repeat(depth)}}`);

const hosted: fc.Arbitrary<HostileBody> = fc
  .record(
    {
      documents: fc.oneof(fc.array(fc.oneof(objectDocument, fc.string({ maxLength: 30 })), { maxLength: 30 }), repeated(objectDocument, 1500)),
      rank_fields: fc.oneof(fc.array(fieldName, { maxLength: 20 }), repeated(fieldName, 300_000)),
      max_chunks_per_doc: count,
      top_n: count,
      return_documents: fc.boolean(),
    },
    { requiredKeys: ['documents'] },
  )
  .map((fields) => ({ path: '/v1/rerank', body: JSON.stringify({ model: MODEL, query: 'hostile', ...fields }) }));

const nested: fc.Arbitrary<HostileBody> = fc
  .tuple(deepDocument, fc.array(fieldName, { maxLength: 3 }))
  .map(([document, fields]) => ({ path: '/v1/rerank', body: `{"model":"${MODEL}","query":"q","return_documents":true,"rank_fields":${JSON.stringify(fields)},"documents":[${document}]}` }));

const cohereV2: fc.Arbitrary<HostileBody> = fc
  .record({ documents: fc.oneof(fc.array(fc.string({ maxLength: 100 }), { maxLength: 20 }), repeated(fc.constantFrom('', 'same words', 'word '.repeat(500)), 2000)), max_tokens_per_doc: count, top_n: count })
  .map((fields) => ({ path: '/v2/rerank', body: JSON.stringify({ model: MODEL, query: 'hostile', ...fields }) }));

const tei: fc.Arbitrary<HostileBody> = fc
  .record({ texts: fc.oneof(fc.array(fc.string({ maxLength: 100 }), { maxLength: 20 }), repeated(fc.constantFrom('', 'word '.repeat(500)), 2000)), raw_scores: fc.boolean(), return_text: fc.boolean(), truncate: fc.boolean() })
  .map((fields) => ({ path: '/rerank', body: JSON.stringify({ query: 'hostile', ...fields }) }));

/**
 * Bodies up to a little past the server's 5 MiB limit: what is over it is refused by its length
 * before it is parsed (the body-limit tests cover that), and tens of megabytes would only measure
 * this process uploading them.
 */
const MOST_BODY_BYTES = 6 * 1024 * 1024;
const hostileBody = fc
  .oneof({ weight: 5, arbitrary: hosted }, { weight: 1, arbitrary: nested }, { weight: 2, arbitrary: cohereV2 }, { weight: 2, arbitrary: tei })
  .filter(({ body }) => body.length <= MOST_BODY_BYTES);

/** Statuses a hostile body may get: a ranking, or a refusal of the request itself. Never a 5xx. */
const TYPED_STATUSES = [200, 400, 413, 422];

/** Polls `/health` until `done` settles; the slowest answer, in ms. */
async function slowestHealth(done: Promise<unknown>): Promise<number> {
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  let slowest = 0;
  while (!finished) {
    const started = performance.now();
    const response = await fetch(`${serve.url}/health`);
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    slowest = Math.max(slowest, performance.now() - started);
  }
  return slowest;
}

function send({ path, body }: HostileBody): Promise<{ status: number; text: string }> {
  return fetch(`${serve.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (response) => ({ status: response.status, text: await response.text() }));
}

/** A failure in a few lines: the bodies run to megabytes, too long to print whole. */
function shortReport(details: fc.RunDetails<[HostileBody]>): void {
  if (!details.failed) return;
  const [sample] = details.counterexample ?? [];
  const excerpt = sample ? `${sample.path} ${sample.body.slice(0, 300)}… (${sample.body.length} bytes)` : 'no sample';
  throw new Error(`${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}\nseed ${details.seed}, body: ${excerpt}`);
}

describe('hostile bodies', () => {
  it(`answers each with one typed status, stays up, and keeps /health under ${HEALTH_BOUND_MS} ms`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileBody, async ({ path, body }) => {
        const answer = send({ path, body });
        const [slowest, { status, text }] = await Promise.all([slowestHealth(answer), answer]);
        const where = `${path} ${body.length} bytes → ${status}`;
        expect(TYPED_STATUSES, where).toContain(status);
        const parsed = JSON.parse(text) as unknown;
        if (status >= 400 && path !== '/rerank') expect(parsed, where).toMatchObject({ error: { status, code: expect.any(String) } });
        expect(slowest, where).toBeLessThanOrEqual(HEALTH_BOUND_MS);
      }),
      { numRuns: COUNT, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false, endOnFailure: true, asyncReporter: async (details) => shortReport(details) },
    );
    expect((await fetch(`${serve.url}/health`)).status).toBe(200);
  }, BUDGET_MS + 60_000);
});
