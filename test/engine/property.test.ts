/**
 * Thousands of random and hostile requests through validation and the engine: each one must end in
 * a ranked result or a typed 400 — never a crash, a hang or an untyped error.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RerankEngine } from '../../src/engine/engine.js';
import { isRerankError } from '../../src/core/errors.js';
import { createReranker } from '../../src/node.js';
import type { RerankRequest } from '../../src/core/contract.js';

const MODEL = 'BAAI/bge-reranker-v2-m3';

// Texts that stress the tokenizer: any Unicode, lone surrogates, control and zero-width characters.
const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\u200B', '\uFEFF', '\u202E', '▁', '<s>', '</s>', '<pad>', ' ', '\n'), maxLength: 30 }),
  fc.constantFrom('', ' ', '<s></s><pad><unk><mask>', '😀'.repeat(50), 'a'.repeat(3000)),
);

// Well-formed bodies with hostile texts: these must all be answered.
const validBody = fc.record(
  {
    model: fc.constant(MODEL),
    query: hostileText.filter((text) => text.trim() !== ''),
    documents: fc.array(hostileText, { minLength: 1, maxLength: 6 }),
    top_n: fc.integer({ min: 1, max: 8 }),
    return_documents: fc.boolean(),
    max_chunks_per_doc: fc.integer({ min: 1, max: 3 }),
  },
  { requiredKeys: ['model', 'query', 'documents'] },
);

// Bodies that are nearly right: each field is either valid or one of many wrong shapes.
const nearlyValidBody = fc.record(
  {
    model: fc.oneof(fc.constant(MODEL), fc.constant('someone/else'), fc.anything()),
    query: fc.oneof(hostileText, fc.anything()),
    documents: fc.oneof(fc.array(hostileText, { maxLength: 6 }), fc.array(fc.anything(), { maxLength: 4 }), fc.anything()),
    top_n: fc.oneof(fc.integer({ min: -3, max: 8 }), fc.double(), fc.anything()),
    return_documents: fc.oneof(fc.boolean(), fc.anything()),
    max_chunks_per_doc: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.anything()),
  },
  { requiredKeys: [] },
);

describe('random and hostile requests', () => {
  let reranker: RerankEngine;
  beforeAll(async () => {
    reranker = await createReranker({ modelPath: inject('tinyModelDir'), dtype: 'fp32', maxLength: 64 });
  });
  afterAll(() => reranker.dispose());

  it('end in a sorted result or a typed 400, never a crash', async () => {
    let answered = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 3, arbitrary: validBody }, { weight: 3, arbitrary: nearlyValidBody }, { weight: 1, arbitrary: fc.anything() }),
        async (body) => {
        try {
          const response = await reranker.rerank(body as RerankRequest);
          const request = body as RerankRequest;
          const expected = Math.min(request.top_n ?? request.documents.length, request.documents.length);
          expect(response.results).toHaveLength(expected);
          for (const result of response.results) {
            expect(result.relevance_score).toBeGreaterThan(0);
            expect(result.relevance_score).toBeLessThan(1);
          }
          answered++;
        } catch (error) {
          if (!isRerankError(error) || error.status !== 400) throw error;
          refused++;
        }
        },
      ),
      { numRuns: 2500, seed: 20261127 },
    );
    // Both paths were exercised, not just one.
    expect(answered).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});
