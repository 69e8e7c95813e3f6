/**
 * Comparing a browser's answer with Node's on the same model and request.
 */
import { expect } from 'vitest';
import { createReranker as createNodeReranker } from '../../../src/node.js';
import type { RerankRequest, RerankResponse } from '../../../src/core/contract.js';
import { scoreOf } from '../../support/scores.js';

/** Node's answer on onnxruntime-web's WASM backend — the browser's own kernels — to compare a page's with. */
export async function nodeWasmAnswer(modelPath: string, request: RerankRequest, dtype: 'fp32' | 'q8'): Promise<RerankResponse> {
  const node = await createNodeReranker({ modelPath, backend: 'wasm', dtype });
  try {
    return await node.rerank(request);
  } finally {
    await node.dispose();
  }
}

/** Scores must agree this closely (sigmoid scores, 0..1). */
export const SCORE_TOLERANCE = 1e-3;

/** The largest |Δscore| between two responses to the same request, per document index. */
export function maxScoreDelta(a: RerankResponse, b: RerankResponse): number {
  const other = new Map(b.results.map((result) => [result.index, scoreOf(result)]));
  expect(other.size).toBe(a.results.length);
  return Math.max(...a.results.map((result) => Math.abs(scoreOf(result) - (other.get(result.index) as number))));
}

/**
 * Asserts the same ranking and scores within the tolerance. Two documents whose scores are closer
 * than the tolerance may legitimately swap places, so the order is compared on clear gaps only.
 */
export function expectSameRanking(actual: RerankResponse, expected: RerankResponse): number {
  const delta = maxScoreDelta(actual, expected);
  expect(delta).toBeLessThanOrEqual(SCORE_TOLERANCE);
  const position = new Map(actual.results.map((result, rank) => [result.index, rank]));
  const ranked = expected.results;
  for (let i = 0; i < ranked.length; i++) {
    for (let j = i + 1; j < ranked.length; j++) {
      const higher = ranked[i] as RerankResponse['results'][number];
      const lower = ranked[j] as RerankResponse['results'][number];
      if (scoreOf(higher) - scoreOf(lower) > 2 * SCORE_TOLERANCE) {
        expect(position.get(higher.index) as number, `document ${higher.index} before ${lower.index}`).toBeLessThan(position.get(lower.index) as number);
      }
    }
  }
  return delta;
}
