/**
 * Running out of memory is an answer, not a crash: a batch too large for the 4 GB of wasm32 (a
 * real `std::bad_alloc` inside onnxruntime-web, nothing simulated) is a 503 `out_of_memory` that
 * names the work, and the same reranker ranks a request of a sensible size afterwards.
 */
import { describe, expect, inject, it } from 'vitest';
import { createReranker } from '../../src/node.js';
import { mixedDocuments } from '../kit/documents.js';

const modelPath = inject('tinyModelDir');
const MODEL = 'BAAI/bge-reranker-v2-m3';
const longDocument = mixedDocuments(1, 1200, 1200, 3)[0] as string;

describe('out of memory on onnxruntime-web (wasm)', () => {
  it('answers 503 out_of_memory for a batch that cannot fit, then ranks a smaller request', async () => {
    // One batch of 600 pairs × 1024 tokens: its attention scores (600 × 2 heads × 1024² floats,
    // 5 GB) can't even be addressed in a wasm32 heap; onnxruntime refuses the allocation (SafeInt
    // overflow) before computing anything. (At 260 pairs it computes 2 GB tensors for minutes,
    // then fails with std::bad_alloc: the same answer, too slow for a test.) The same long
    // document each time keeps tokenizing cheap (the word cache).
    const reranker = await createReranker({ modelPath, backend: 'wasm', dtype: 'fp32', threads: 1, batchInvariant: false, maxBatchSize: 1000, tokenBudget: 10_000_000, maxLength: 1024 });
    try {
      const error = await reranker.rerank({ model: MODEL, query: 'machine learning', documents: Array.from({ length: 600 }, () => longDocument) }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'RerankError', status: 503, code: 'out_of_memory' });
      expect((error as Error).message).toMatch(/^Scoring 600 pairs of 1024 tokens with "webrerank\/standin-tiny" \(fp32\) on wasm ran out of memory \(.+\)\. The model stays loaded/);

      const small = await reranker.rerank({ model: MODEL, query: 'machine learning', documents: mixedDocuments(5, 20, 60, 4) });
      expect(small.results).toHaveLength(5);
      for (const result of small.results) expect(result.relevance_score).toBeGreaterThan(0);
    } finally {
      await reranker.dispose();
    }
  }, 120_000);
});
