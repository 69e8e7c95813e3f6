/**
 * The bounded cache behind the Unigram word cache: a stream of one-off keys never holds more than
 * two generations, and a key in use survives every turnover.
 */
import { describe, expect, it } from 'vitest';
import { TwoGenerationCache } from '../../src/engine/two-generation-cache.js';

describe('TwoGenerationCache', () => {
  it('never holds more than two generations, however many distinct keys stream in', () => {
    const cache = new TwoGenerationCache<string, number>(100);
    let largest = 0;
    for (let key = 0; key < 10_000; key++) {
      cache.set(`word${key}`, key);
      largest = Math.max(largest, cache.size);
    }
    expect(largest).toBe(200);
    // The newest keys are the ones kept; the oldest are gone.
    expect(cache.get('word9999')).toBe(9999);
    expect(cache.get('word0')).toBeUndefined();
  });

  it('keeps a key that is used again within each generation, through every turnover', () => {
    const cache = new TwoGenerationCache<string, string>(50);
    cache.set('the', 'common');
    for (let key = 0; key < 5_000; key++) {
      cache.set(`rare${key}`, 'once');
      if (key % 40 === 0) expect(cache.get('the'), `after ${key} rare keys`).toBe('common');
    }
    expect(cache.size).toBeLessThanOrEqual(100);
  });

  it('drops a key not used for two generations', () => {
    const cache = new TwoGenerationCache<string, number>(10);
    cache.set('idle', 1);
    for (let key = 0; key < 20; key++) cache.set(`k${key}`, key);
    expect(cache.get('idle')).toBeUndefined();
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new TwoGenerationCache(0)).toThrow(RangeError);
    expect(() => new TwoGenerationCache(1.5)).toThrow(RangeError);
  });
});
