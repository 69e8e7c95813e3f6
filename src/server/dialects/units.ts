/** Cohere's billing unit: one search unit per query with up to 100 documents. */
export function searchUnits(documents: number): number {
  return Math.max(1, Math.ceil(documents / 100));
}
