/**
 * Progressive results, a time budget and the score cache, on the engine in Node (in this thread and
 * in its own thread), against the generated stand-in model.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PackedBatch } from '../../src/engine/batching.js';
import { loadCrossEncoder, type CrossEncoderLoader } from '../../src/engine/cross-encoder.js';
import type { RerankEngine } from '../../src/engine/engine.js';
import type { RerankRequest, RerankResponse } from '../../src/core/contract.js';
import type { Reranker, RerankStreamItem } from '../../src/core/reranker.js';
import { createReranker } from '../../src/node.js';
import { mixedDocuments } from '../kit/documents.js';
import { scoreOf } from '../support/scores.js';
import { expectGrowingPartials } from '../support/stream.js';

const modelPath = inject('tinyModelDir');
const MODEL = 'BAAI/bge-reranker-v2-m3';
const request = (documents: string[], extra: Partial<RerankRequest> = {}): RerankRequest => ({ model: MODEL, query: 'machine learning models', documents, ...extra });

/** Wraps the real loader to count the batches the model ran (scores stay real). */
function countingLoader(seen: PackedBatch[]): CrossEncoderLoader {
  return async (entry, runtime, options) => {
    const encoder = await loadCrossEncoder(entry, runtime, options);
    return {
      ...encoder,
      logits: (batch) => {
        seen.push(batch);
        return encoder.logits(batch);
      },
    };
  };
}

async function collect(stream: AsyncIterable<RerankStreamItem>): Promise<RerankStreamItem[]> {
  const items: RerankStreamItem[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe.each(['fp32', 'q8'] as const)('rerankStream on the engine, %s', (dtype) => {
  let engine: RerankEngine;
  const seen: PackedBatch[] = [];
  const documents = mixedDocuments(40, 4, 200, 11);

  beforeAll(async () => {
    engine = await createReranker({ modelPath, dtype, loader: countingLoader(seen), scoreCacheBytes: 0 });
  });
  afterAll(() => engine.dispose());

  it('ends with exactly what rerank() answers: same scores, same order, same meta', async () => {
    const answer = await engine.rerank(request(documents, { top_n: 30, return_documents: true }));
    const items = await collect(engine.rerankStream(request(documents, { top_n: 30, return_documents: true })));
    const { scored, total, done, ...final } = items.at(-1) as RerankStreamItem & { done: true };
    expect(done).toBe(true);
    expect([scored, total]).toEqual([40, 40]);
    expect(final).toEqual(answer);
  });

  it('yields partials that grow, each ranking exactly the documents scored so far', async () => {
    const items = await collect(engine.rerankStream(request(documents)));
    expect(items.length).toBeGreaterThan(2);
    expectGrowingPartials(items, documents.length);
  });

  it('stops the stream and the work when the signal aborts', async () => {
    const controller = new AbortController();
    seen.length = 0;
    const stream = engine.rerankStream(request(mixedDocuments(60, 50, 200, 3)), { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.done).toBe(false);
    controller.abort();
    await expect(drain(iterator)).rejects.toMatchObject({ name: 'AbortError', status: 499 });
    const batchesAtAbort = seen.length;
    await engine.rerank(request(['one more document']));
    // The aborted request ran no batch after the abort; the next request ran its one.
    expect(seen.length).toBe(batchesAtAbort + 1);
  });

  it('stops the work when the caller leaves the loop early', async () => {
    seen.length = 0;
    for await (const item of engine.rerankStream(request(mixedDocuments(60, 50, 200, 4)))) {
      expect(item.done).toBe(false);
      break;
    }
    const batchesAtBreak = seen.length;
    await engine.rerank(request(['one more document']));
    expect(seen.length).toBe(batchesAtBreak + 1);
    expect(batchesAtBreak).toBeLessThan(60);
  });
});

async function drain(iterator: AsyncIterator<RerankStreamItem>): Promise<void> {
  for (;;) if ((await iterator.next()).done) return;
}

/** Every index exactly once; the unscored after the scored, in their given order, without a score. */
function expectBudgetedAnswer(response: RerankResponse, total: number): number[] {
  const unscored = response.meta?.unscored ?? [];
  expect(response.results.map((result) => result.index).sort((a, b) => a - b)).toEqual([...Array(total).keys()]);
  const tail = response.results.slice(total - unscored.length);
  expect(tail.map((result) => result.index)).toEqual(unscored);
  expect([...unscored].sort((a, b) => a - b)).toEqual(unscored);
  for (const result of tail) expect(result).not.toHaveProperty('relevance_score');
  for (const result of response.results.slice(0, total - unscored.length)) expect(typeof result.relevance_score).toBe('number');
  return unscored;
}

describe('budget_ms on the engine', () => {
  let engine: RerankEngine;
  const documents = mixedDocuments(200, 20, 200, 21);

  beforeAll(async () => {
    // Each batch takes at least 5 ms here, so a 30 ms budget can't reach 200 documents.
    const slow: CrossEncoderLoader = async (entry, runtime, options) => {
      const encoder = await loadCrossEncoder(entry, runtime, options);
      return { ...encoder, logits: async (batch) => (await new Promise((resolve) => setTimeout(resolve, 5)), encoder.logits(batch)) };
    };
    engine = await createReranker({ modelPath, dtype: 'q8', loader: slow, scoreCacheBytes: 0 });
  });
  afterAll(() => engine.dispose());

  it('leaves documents unscored at a tiny budget: each index once, no score for the unscored', async () => {
    const response = await engine.rerank(request(documents, { budget_ms: 30 }));
    const unscored = expectBudgetedAnswer(response, documents.length);
    expect(unscored.length).toBeGreaterThan(0);
  });

  it('scores nothing with a budget of 0, returning every document in its given order', async () => {
    const response = await engine.rerank(request(documents.slice(0, 10), { budget_ms: 0, return_documents: true }));
    expect(response.results.map((result) => result.index)).toEqual([...Array(10).keys()]);
    expect(response.results[3]).toEqual({ index: 3, document: { text: documents[3] } });
    expect(response.meta?.unscored).toEqual([...Array(10).keys()]);
  });

  it('scores everything within an ample budget, saying that none was left out', async () => {
    const response = await engine.rerank(request(documents.slice(0, 5), { budget_ms: 600_000 }));
    expect(response.meta?.unscored).toEqual([]);
    expect(response.results.map(scoreOf)).toHaveLength(5);
  });

  it('ends a stream when the budget runs out, its last item the budgeted answer', async () => {
    const items = await collect(engine.rerankStream(request(documents, { budget_ms: 40 })));
    const final = items.at(-1) as RerankStreamItem & { done: true };
    const unscored = expectBudgetedAnswer(final, documents.length);
    expect(final.scored).toBe(documents.length - unscored.length);
  });

  it('refuses a negative budget with 400 invalid_budget_ms', async () => {
    await expect(engine.rerank(request(documents, { budget_ms: -1 }))).rejects.toMatchObject({ status: 400, code: 'invalid_budget_ms' });
  });
});

describe.each(['fp32', 'q8'] as const)('the score cache, %s', (dtype) => {
  let cached: RerankEngine;
  let fresh: RerankEngine;
  const seen: PackedBatch[] = [];
  const documents = mixedDocuments(30, 4, 120, 31);

  beforeAll(async () => {
    cached = await createReranker({ modelPath, dtype, loader: countingLoader(seen) });
    fresh = await createReranker({ modelPath, dtype, scoreCacheBytes: 0 });
  });
  afterAll(async () => {
    await cached.dispose();
    await fresh.dispose();
  });

  it('answers a repeated request with identical scores, counted as cached, without running the model', async () => {
    const first = await cached.rerank(request(documents));
    expect(first.meta?.cached).toBeUndefined();
    seen.length = 0;
    const second = await cached.rerank(request(documents));
    expect(seen).toHaveLength(0);
    expect(second.results).toEqual(first.results);
    expect(second.usage).toEqual(first.usage);
    expect(second.meta).toEqual({ ...first.meta, cached: documents.length });
  });

  it('scores a request that repeats some pairs exactly as an engine without a cache does', async () => {
    const mixed = [...documents.slice(0, 10), ...mixedDocuments(10, 4, 120, 32)];
    const response = await cached.rerank(request(mixed));
    expect(response.meta?.cached).toBe(10);
    const freshAnswer = await fresh.rerank(request(mixed));
    expect([response.results, response.usage]).toEqual([freshAnswer.results, freshAnswer.usage]);
  });

  it('does not reuse a score for another query or another cut of the document', async () => {
    expect((await cached.rerank({ ...request(documents), query: 'weather forecast' })).meta?.cached).toBeUndefined();
    expect((await cached.rerank(request(documents, { max_tokens_per_doc: 8 }))).meta?.cached).toBeUndefined();
  });

  it('keeps under its byte cap, and clear() empties it', () => {
    expect(cached.scoreCache.bytes).toBeGreaterThan(0);
    expect(cached.scoreCache.bytes).toBeLessThanOrEqual(cached.scoreCache.maxBytes);
    cached.scoreCache.clear();
    expect(cached.scoreCache.size).toBe(0);
  });
});

describe('the score cache where q8 scores depend on batch-mates', () => {
  it('is not used with batchInvariant: false, so results never depend on what was cached', async () => {
    const engine = await createReranker({ modelPath, dtype: 'q8', batchInvariant: false });
    try {
      const documents = mixedDocuments(12, 4, 60, 41);
      await engine.rerank(request(documents));
      expect((await engine.rerank(request(documents))).meta?.cached).toBeUndefined();
      expect(engine.scoreCache.size).toBe(0);
    } finally {
      await engine.dispose();
    }
  });
});

describe('rerankStream in the engine thread (inWorker)', () => {
  let threaded: Reranker;
  let inProcess: Reranker;
  const documents = mixedDocuments(30, 4, 200, 51);

  beforeAll(async () => {
    threaded = await createReranker({ modelPath, dtype: 'q8', inWorker: true, scoreCacheBytes: 0 });
    inProcess = await createReranker({ modelPath, dtype: 'q8', scoreCacheBytes: 0 });
  });
  afterAll(async () => {
    await threaded.dispose();
    await inProcess.dispose();
  });

  it('streams growing partials across the thread and ends with what rerank() answers', async () => {
    const items = await collect(threaded.rerankStream(request(documents)));
    expect(items.length).toBeGreaterThan(2);
    expectGrowingPartials(items, documents.length);
    const { scored: _scored, total: _total, done: _done, ...final } = items.at(-1) as RerankStreamItem & { done: true };
    expect(final).toEqual(await inProcess.rerank(request(documents)));
  });

  it('ends the stream with an AbortError when the signal aborts mid-stream', async () => {
    const controller = new AbortController();
    const iterator = threaded.rerankStream(request(mixedDocuments(80, 50, 200, 52)), { signal: controller.signal })[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.done).toBe(false);
    controller.abort();
    await expect(drain(iterator)).rejects.toMatchObject({ name: 'AbortError' });
    // The thread is still serving.
    expect((await threaded.rerank(request(['a document']))).results).toHaveLength(1);
  });
});
