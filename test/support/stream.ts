/** What every `rerankStream()` promises, checked the same way in Node and in Chromium. */
import { expect } from 'vitest';
import type { RerankPartial, RerankStreamItem } from '../../src/core/reranker.js';
import { scoreOf } from './scores.js';

/** What every stream promises: partials that grow and rank exactly their scored documents, then the answer. */
export function expectGrowingPartials(items: RerankStreamItem[], total: number): void {
  const final = items.at(-1) as RerankStreamItem;
  expect(final.done).toBe(true);
  const partials = items.slice(0, -1);
  expect(partials.every((item) => !item.done)).toBe(true);
  let scored = 0;
  for (const partial of partials as RerankPartial[]) {
    expect(partial.scored).toBeGreaterThan(scored);
    expect(partial.scored).toBeLessThan(total);
    expect(partial.total).toBe(total);
    scored = partial.scored;
    expect(new Set(partial.results.map((result) => result.index)).size).toBe(partial.scored);
    const scores = partial.results.map(scoreOf);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // A partial's scores are the final ones: documents are scored once, never revised.
    for (const result of partial.results) expect(result.relevance_score).toBe(final.results.find((item) => item.index === result.index)?.relevance_score);
  }
}
