/**
 * Per-caller quota: how many requests and/or scoring windows a caller may have used. A window is
 * what the model scores once: a document, or one piece of a long document cut by
 * `max_chunks_per_doc`. Exhausted → 402, as the hosted API answers "insufficient quota". The check
 * is one pure function, shared by the memory and SQLite stores (Redis runs the same check in a
 * server-side script).
 */
export interface Quota {
  /** Requests each caller may make. */
  requests?: number;
  /** Windows each caller may have had scored, summed over requests (a short document is one). */
  documents?: number;
}

/** What one request charges, or what a caller has used so far. */
export interface QuotaUnits {
  requests: number;
  documents: number;
}

/** Throws a RangeError unless every quota given is a non-negative integer. */
export function checkQuota(quota: Quota): void {
  for (const [name, value] of Object.entries(quota)) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) throw new RangeError(`quota.${name} must be a non-negative integer, got ${value}.`);
  }
}

/** True when charging `units` on top of `used` stays within `quota`. */
export function fitsQuota(used: QuotaUnits, units: QuotaUnits, quota: Quota | undefined): boolean {
  if (quota?.requests !== undefined && used.requests + units.requests > quota.requests) return false;
  if (quota?.documents !== undefined && used.documents + units.documents > quota.documents) return false;
  return true;
}
