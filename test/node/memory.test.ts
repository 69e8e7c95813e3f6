/**
 * 1,000 reranks in one process must not leak: after warm-up, memory stays within 5 %.
 */
import { describe, expect, inject, it } from 'vitest';
import { createReranker } from '../../src/node.js';
import { HOSTED_EXAMPLE, mixedDocuments } from '../kit/documents.js';

function settle(): void {
  // Collect twice: the first pass can leave finalizers for the second.
  globalThis.gc?.();
  globalThis.gc?.();
}

describe('memory over 1,000 consecutive reranks', () => {
  it('grows resident memory and heap by less than 5 % after warm-up', async () => {
    // The score cache off: every rerank runs the model, which is what could leak.
    const reranker = await createReranker({ modelPath: inject('tinyModelDir'), dtype: 'q8', scoreCacheBytes: 0 });
    const request = { ...HOSTED_EXAMPLE, documents: [...HOSTED_EXAMPLE.documents, ...mixedDocuments(12, 5, 80, 5)] };
    for (let i = 0; i < 200; i++) await reranker.rerank(request);
    settle();
    const before = process.memoryUsage();
    for (let i = 0; i < 1000; i++) await reranker.rerank(request);
    settle();
    const after = process.memoryUsage();
    const rssGrowth = (after.rss - before.rss) / before.rss;
    const heapGrowth = (after.heapUsed - before.heapUsed) / before.heapUsed;
    console.log(`memory: rss ${(before.rss / 2 ** 20).toFixed(1)} → ${(after.rss / 2 ** 20).toFixed(1)} MiB (${(100 * rssGrowth).toFixed(2)} %), heap ${(before.heapUsed / 2 ** 20).toFixed(1)} → ${(after.heapUsed / 2 ** 20).toFixed(1)} MiB (${(100 * heapGrowth).toFixed(2)} %)`);
    expect(rssGrowth).toBeLessThan(0.05);
    expect(heapGrowth).toBeLessThan(0.05);
    await reranker.dispose();
  }, 180_000);
});
