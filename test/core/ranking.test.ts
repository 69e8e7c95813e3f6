import { describe, expect, it } from 'vitest';
import { rankPartial, rankResults, sigmoid } from '../../src/core/ranking.js';

const request = { model: 'm', query: 'q', documents: ['zero', 'one', 'two', 'three'] };

describe('sigmoid', () => {
  it('maps logits to (0, 1) without overflowing at the extremes', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(2)).toBeCloseTo(0.8807970779778823, 15);
    expect(sigmoid(-2)).toBeCloseTo(1 - 0.8807970779778823, 15);
    expect(sigmoid(-800)).toBeGreaterThanOrEqual(0);
    expect(sigmoid(800)).toBe(1);
    expect(Number.isFinite(sigmoid(-800))).toBe(true);
  });
});

describe('rankResults', () => {
  it('returns the documents sorted by score, highest first', () => {
    const results = rankResults([0.2, 0.9, 0.5, 0.1], request);
    expect(results.map((r) => r.index)).toEqual([1, 2, 0, 3]);
    expect(results.map((r) => r.relevance_score)).toEqual([0.9, 0.5, 0.2, 0.1]);
  });

  it('orders equal scores by their position in the request', () => {
    expect(rankResults([0.5, 0.7, 0.5, 0.7], request).map((r) => r.index)).toEqual([1, 3, 0, 2]);
  });

  it('cuts to top_n, and returns all when top_n exceeds the documents', () => {
    expect(rankResults([0.2, 0.9, 0.5, 0.1], { ...request, top_n: 2 }).map((r) => r.index)).toEqual([1, 2]);
    expect(rankResults([0.2, 0.9, 0.5, 0.1], { ...request, top_n: 10 })).toHaveLength(4);
  });

  it('attaches each document text when return_documents is set', () => {
    const results = rankResults([0.2, 0.9, 0.5, 0.1], { ...request, return_documents: true, top_n: 1 });
    expect(results).toEqual([{ index: 1, relevance_score: 0.9, document: { text: 'one' } }]);
  });

  it('refuses a NaN or infinite score with a 500 instead of ranking it', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => rankResults([0.2, bad, 0.5, 0.1], request)).toThrowError(expect.objectContaining({ status: 500, code: 'non_finite_score' }));
    }
  });

  it('puts documents a budget left unscored last, in their given order, without a score; top_n counts them', () => {
    const results = rankResults([0.2, Number.NaN, 0.5, Number.NaN], { ...request, return_documents: true }, [1, 3]);
    expect(results).toEqual([
      { index: 2, relevance_score: 0.5, document: { text: 'two' } },
      { index: 0, relevance_score: 0.2, document: { text: 'zero' } },
      { index: 1, document: { text: 'one' } },
      { index: 3, document: { text: 'three' } },
    ]);
    expect(rankResults([0.2, Number.NaN, 0.5, Number.NaN], { ...request, top_n: 3 }, [1, 3]).map((r) => r.index)).toEqual([2, 0, 1]);
  });
});

describe('rankPartial', () => {
  it('ranks only the documents scored so far, cut to top_n, without texts', () => {
    const scores = [0.2, -Infinity, 0.9, 0.5];
    expect(rankPartial(scores, [0, 2, 3], { ...request, return_documents: true, top_n: 2 })).toEqual([
      { index: 2, relevance_score: 0.9 },
      { index: 3, relevance_score: 0.5 },
    ]);
  });
});
