/**
 * The engine end to end in Node, on the generated stand-in model loaded through the same
 * transformers.js code that loads the real one.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PackedBatch } from '../../src/engine/batching.js';
import { loadCrossEncoder, type CrossEncoderLoader } from '../../src/engine/cross-encoder.js';
import type { RerankEngine } from '../../src/engine/engine.js';
import { isRerankError, type RerankError } from '../../src/core/errors.js';
import { createReranker } from '../../src/node.js';
import type { RerankResponse } from '../../src/core/contract.js';
import { HOSTED_EXAMPLE, mixedDocuments, words } from '../kit/documents.js';
import { scoreOf as scoreOfResult } from '../support/scores.js';

const modelPath = inject('tinyModelDir');
const BOS = 0;
const EOS = 2;

/** Wraps the real loader to record the batches the model was given (scores stay real). */
function recordingLoader(seen: PackedBatch[]): CrossEncoderLoader {
  return async (entry, runtime, options) => {
    const encoder = await loadCrossEncoder(entry, runtime, options);
    return {
      ...encoder,
      encode: encoder.encode,
      logits: (batch) => {
        seen.push(batch);
        return encoder.logits(batch);
      },
    };
  };
}

function rows(batch: PackedBatch): number[][] {
  return Array.from({ length: batch.rows }, (_, row) => {
    const ids = Array.from(batch.inputIds.subarray(row * batch.width, (row + 1) * batch.width), Number);
    const mask = Array.from(batch.attentionMask.subarray(row * batch.width, (row + 1) * batch.width), Number);
    return ids.filter((_, column) => mask[column] === 1);
  });
}

function scoreOf(response: RerankResponse, index: number): number {
  const result = response.results.find((item) => item.index === index);
  if (!result) throw new Error(`no result for document ${index}`);
  return scoreOfResult(result);
}

describe.each(['fp32', 'q8'] as const)('the engine on onnxruntime-node, %s', (dtype) => {
  let reranker: RerankEngine;
  const seen: PackedBatch[] = [];

  beforeAll(async () => {
    reranker = await createReranker({ modelPath, dtype, loader: recordingLoader(seen) });
  });
  afterAll(() => reranker.dispose());

  it('ranks the hosted API example: four results, a permutation of 0..3, scores in (0, 1), highest first', async () => {
    const response = await reranker.rerank(HOSTED_EXAMPLE);
    expect(response.results.map((r) => r.index).sort()).toEqual([0, 1, 2, 3]);
    for (const result of response.results) {
      expect(result.relevance_score).toBeGreaterThan(0);
      expect(result.relevance_score).toBeLessThan(1);
    }
    const scores = response.results.map(scoreOfResult);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(new Set(scores).size).toBe(4);
    // The stand-in answers to the real model's name under its own id.
    expect(response.model).toBe('webrerank/standin-tiny');
    expect(response.usage.total_tokens).toBeGreaterThan(4 * 4);
    expect(response.meta).toMatchObject({ backend: 'cpu', dtype });
  });

  it('gives the same scores for the same request every time', async () => {
    const first = await reranker.rerank(HOSTED_EXAMPLE);
    const second = await reranker.rerank(HOSTED_EXAMPLE);
    expect(second.results).toEqual(first.results);
  });

  it('adds each document text with return_documents and cuts to top_n', async () => {
    const response = await reranker.rerank({ ...HOSTED_EXAMPLE, return_documents: true, top_n: 2 });
    expect(response.results).toHaveLength(2);
    for (const result of response.results) expect(result.document?.text).toBe(HOSTED_EXAMPLE.documents[result.index]);
  });

  it('scores each document the same alone as inside a batch of 100 mixed-length documents', async () => {
    const documents = mixedDocuments(100, 16, 600, 7);
    const together = await reranker.rerank({ model: HOSTED_EXAMPLE.model, query: 'machine learning models', documents });
    let worst = 0;
    for (const index of [0, 13, 42, 77, 99]) {
      const alone = await reranker.rerank({ model: HOSTED_EXAMPLE.model, query: 'machine learning models', documents: [documents[index] as string] });
      worst = Math.max(worst, Math.abs(scoreOf(alone, 0) - scoreOf(together, index)));
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('packs pairs by length under the CPU default of 512 padded tokens (q8: one pair per batch), scoring as wider batches do', async () => {
    const request = { model: HOSTED_EXAMPLE.model, query: 'machine learning models', documents: mixedDocuments(60, 4, 300, 5) };
    seen.length = 0;
    const narrow = await reranker.rerank(request);
    expect(seen.length).toBeGreaterThan(1);
    for (const batch of seen) {
      if (dtype === 'q8') expect(batch.rows).toBe(1);
      else expect(batch.rows === 1 || batch.rows * batch.width <= 512).toBe(true);
    }
    const wide = await createReranker({ modelPath, dtype, tokenBudget: 8192 });
    const wider = await wide.rerank(request);
    await wide.dispose();
    const worst = Math.max(...request.documents.map((_, i) => Math.abs(scoreOf(narrow, i) - scoreOf(wider, i))));
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('scores a 5,000-word document, cutting only the document so the pair still ends in </s>', async () => {
    seen.length = 0;
    const response = await reranker.rerank({ model: HOSTED_EXAMPLE.model, query: 'weather forecast', documents: [words(5000, Math.random)] });
    expect(response.results).toHaveLength(1);
    const [pair] = rows(seen[0] as PackedBatch);
    expect(pair).toHaveLength(512);
    expect(pair?.[0]).toBe(BOS);
    expect(pair?.at(-1)).toBe(EOS);
  });

  it('cuts a query longer than the cap (¾ of 512 tokens) and keeps the document', async () => {
    seen.length = 0;
    await reranker.rerank({ model: HOSTED_EXAMPLE.model, query: words(2000, Math.random), documents: ['Pizza is a popular Italian food.'] });
    const [pair] = rows(seen[0] as PackedBatch);
    // <s> + 384 query tokens + </s></s> + the whole document + </s>
    const separator = pair?.indexOf(EOS) ?? -1;
    expect(separator).toBe(1 + 384);
    expect(pair?.[separator + 1]).toBe(EOS);
    expect(pair?.at(-1)).toBe(EOS);
    expect((pair?.length ?? 0) - separator - 3).toBeGreaterThan(4);
  });

  it('with max_chunks_per_doc scores every window of a long document and keeps the best', async () => {
    seen.length = 0;
    const long = `${words(700, Math.random)} machine learning`;
    const response = await reranker.rerank({ model: HOSTED_EXAMPLE.model, query: 'machine learning', documents: [long], max_chunks_per_doc: 3 });
    const pairs = seen.flatMap(rows);
    expect(pairs).toHaveLength(2);
    const truncated = await reranker.rerank({ model: HOSTED_EXAMPLE.model, query: 'machine learning', documents: [long] });
    expect(scoreOf(response, 0)).toBeGreaterThanOrEqual(scoreOf(truncated, 0));
  });

  it('refuses an empty documents array with 400 before loading anything', async () => {
    await expect(reranker.rerank({ ...HOSTED_EXAMPLE, documents: [] })).rejects.toMatchObject({ status: 400, code: 'empty_documents' });
  });

  it('refuses a model it does not serve with 400 listing the served models', async () => {
    const error = (await reranker.rerank({ ...HOSTED_EXAMPLE, model: 'other/model' }).catch((e: unknown) => e)) as RerankError;
    expect(isRerankError(error)).toBe(true);
    expect([error.status, error.code]).toEqual([400, 'unknown_model']);
    expect(error.message).toContain('webrerank/standin-tiny');
  });

  it('applies its character limits with typed 413s, as the browser and the server do', async () => {
    const limited = await createReranker({ modelPath, dtype, maxDocumentCharacters: 100, maxTotalCharacters: 250 });
    try {
      await expect(limited.rerank({ ...HOSTED_EXAMPLE, documents: ['x'.repeat(101)] })).rejects.toMatchObject({ status: 413, code: 'document_too_large' });
      await expect(limited.rerank({ ...HOSTED_EXAMPLE, documents: ['x'.repeat(100), 'y'.repeat(100), 'z'.repeat(100)] })).rejects.toMatchObject({ status: 413, code: 'payload_too_large' });
      await expect(limited.rerank(HOSTED_EXAMPLE)).resolves.toHaveProperty('results');
    } finally {
      await limited.dispose();
    }
  });

  it('ranks a request its caller validated (rerankValidated) without refusing it by its own limits', async () => {
    const limited = await createReranker({ modelPath, dtype, maxDocuments: 2, maxDocumentCharacters: 10 });
    try {
      await expect(limited.rerank(HOSTED_EXAMPLE)).rejects.toMatchObject({ status: 400, code: 'too_many_documents' });
      // Validated requests name the served model: the caller's validation settled the name.
      const response = await limited.rerankValidated({ ...HOSTED_EXAMPLE, model: 'webrerank/standin-tiny' });
      expect(response.results.map((result) => result.index).sort()).toEqual([0, 1, 2, 3]);
    } finally {
      await limited.dispose();
    }
  });

  it('stops between batches when aborted and rejects with AbortError', async () => {
    const controller = new AbortController();
    seen.length = 0;
    const pending = reranker.rerank(
      { model: HOSTED_EXAMPLE.model, query: 'q', documents: mixedDocuments(40, 200, 400, 3) },
      { signal: controller.signal },
    );
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError', code: 'aborted' });
    expect(seen.length).toBeLessThan(40);
    // The next call is unaffected.
    await expect(reranker.rerank(HOSTED_EXAMPLE)).resolves.toHaveProperty('results');
  });
});

describe('q8 against fp32 on the same weights', () => {
  it('stays within 0.02 in score on mixed documents', async () => {
    const [fp32, q8] = await Promise.all([createReranker({ modelPath, dtype: 'fp32' }), createReranker({ modelPath, dtype: 'q8' })]);
    const request = { model: HOSTED_EXAMPLE.model, query: 'machine learning', documents: mixedDocuments(40, 5, 120, 11) };
    const [a, b] = [await fp32.rerank(request), await q8.rerank(request)];
    const worst = Math.max(...request.documents.map((_, i) => Math.abs(scoreOf(a, i) - scoreOf(b, i))));
    console.log(`q8 vs fp32: max |Δscore| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(0.02);
    expect(worst).toBeGreaterThan(0); // really a different, quantized graph
    await Promise.all([fp32.dispose(), q8.dispose()]);
  });
});

describe('model loading failures', () => {
  it('answers 503 model_unavailable when the model folder is missing, and tries again on the next call', async () => {
    const reranker = await createReranker({ modelPath: '/nonexistent/standin-model', preload: false });
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = (await reranker.rerank(HOSTED_EXAMPLE).catch((e: unknown) => e)) as RerankError;
      expect([error.status, error.code]).toEqual([503, 'model_unavailable']);
    }
    expect((await reranker.info()).state).toBe('failed');
  });

  it('refuses a max_length beyond what the model takes', async () => {
    await expect(createReranker({ modelPath, maxLength: 100_000 })).rejects.toMatchObject({ status: 503, code: 'model_load_failed' });
  });
});
