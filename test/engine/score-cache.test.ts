import { describe, expect, it } from 'vitest';
import { ScoreCache, pairKey, scoreContext } from '../../src/engine/score-cache.js';

const context = scoreContext({ model: 'm', dtype: 'q8', backend: 'cpu', maxLength: 512, maxQueryTokens: 384, maxChunks: 1, maxTokensPerDocument: undefined });

describe('ScoreCache', () => {
  it('returns the stored score for the same pair, and nothing for another', () => {
    const cache = new ScoreCache(1024);
    cache.set(pairKey(context, 'q', 'doc'), { score: 0.25, tokens: 9, windows: 1 });
    expect(cache.get(pairKey(context, 'q', 'doc'))).toEqual({ score: 0.25, tokens: 9, windows: 1 });
    expect(cache.get(pairKey(context, 'q', 'other'))).toBeUndefined();
    expect(cache.get(pairKey(context, 'q2', 'doc'))).toBeUndefined();
  });

  it('never lets a query and a document that share text meet in one key', () => {
    expect(pairKey(context, 'a\u0000b', 'c')).not.toBe(pairKey(context, 'a', 'b\u0000c'));
  });

  it('drops the least recently used pairs to stay under its byte cap', () => {
    const cache = new ScoreCache(3 * (2 * pairKey(context, 'q', 'doc-0').length + 80));
    for (let i = 0; i < 3; i++) cache.set(pairKey(context, 'q', `doc-${i}`), { score: i, tokens: i, windows: 1 });
    expect(cache.get(pairKey(context, 'q', 'doc-0'))?.score).toBe(0);
    cache.set(pairKey(context, 'q', 'doc-3'), { score: 3, tokens: 3, windows: 1 });
    expect(cache.size).toBe(3);
    expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
    // doc-1 was the least recently used: doc-0 was read after it.
    expect(cache.get(pairKey(context, 'q', 'doc-1'))).toBeUndefined();
    expect(cache.get(pairKey(context, 'q', 'doc-0'))?.score).toBe(0);
  });

  it('keeps nothing when off (0 bytes) or for a pair larger than the whole cap', () => {
    const off = new ScoreCache(0);
    expect(off.enabled).toBe(false);
    off.set(pairKey(context, 'q', 'doc'), { score: 1, tokens: 1, windows: 1 });
    expect(off.size).toBe(0);
    const small = new ScoreCache(100);
    small.set(pairKey(context, 'q', 'x'.repeat(1000)), { score: 1, tokens: 1, windows: 1 });
    expect(small.size).toBe(0);
  });

  it('refuses a negative cap', () => {
    expect(() => new ScoreCache(-1)).toThrow(RangeError);
  });
});
