/**
 * Cohere's billing unit: one search unit per query with up to 100 documents, where a document cut
 * into chunks counts once per chunk — so per 100 scoring windows.
 */
export function searchUnits(windows: number): number {
  return Math.max(1, Math.ceil(windows / 100));
}
