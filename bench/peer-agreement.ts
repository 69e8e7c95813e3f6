/**
 * How close a peer's scores must be to webrerank's on the same weights and the same ids, for
 * bench/peers.ts: a peer further off than its bound fails the run, since its pairs/s would then
 * time another computation than webrerank's.
 */

/** fp32 graphs fed the same ids agree to float32 rounding (~1e-7); 1e-5 leaves room for summation order. */
export const FP32_BOUND = 1e-5;

/**
 * q8 run one pair at a time on each side. Every activation is rounded to one of 256 levels per
 * tensor, so an fp32 difference of one ulp before a DynamicQuantizeLinear (another build's or
 * thread count's summation order) can tip a value over a rounding edge: one quantization step,
 * far more than fp32's rounding but a small share of a score. Other ids or another graph move
 * scores by 1e-2 and more, so 1e-4 still catches them.
 */
export const Q8_PER_PAIR_BOUND = 1e-4;

/** Why a padded q8 batch is reported but held to no bound. */
export const Q8_PADDED_UNBOUNDED =
  'q8 in a padded batch takes one activation scale over the whole batch, padding included, so a score depends on its batch-mates: reported, not bounded';

export type PeerBound = { bound: number } | { unbounded: string };

/** The bound a peer is held to against webrerank of the same dtype, from the peer's name. */
export function peerBound(peer: string): PeerBound {
  if (peer.endsWith('-fp32')) return { bound: FP32_BOUND };
  if (peer.endsWith('-q8')) return peer.includes('-padded-') ? { unbounded: Q8_PADDED_UNBOUNDED } : { bound: Q8_PER_PAIR_BOUND };
  throw new Error(`peer ${peer} names no dtype (-fp32 or -q8)`);
}

/** The largest |difference| pair by pair; Infinity when a score is missing or not a number. */
export function largestDifference(ours: readonly number[], theirs: readonly number[]): number {
  if (ours.length !== theirs.length || ours.length === 0) return Number.POSITIVE_INFINITY;
  let largest = 0;
  for (const [index, score] of ours.entries()) {
    const difference = Math.abs(score - (theirs[index] as number));
    if (!Number.isFinite(difference)) return Number.POSITIVE_INFINITY;
    largest = Math.max(largest, difference);
  }
  return largest;
}

/** A measured peer's row as bench/results/peers.json holds it. */
export interface MeasuredPeer {
  peer: string;
  pairsPerSecond: number;
  maxScoreDifferenceFromWebrerank: number;
  bound: number | null;
  unbounded?: string;
}

/** The sentences naming each peer further from webrerank than its bound; empty when all agree. */
export function disagreements(rows: readonly MeasuredPeer[]): string[] {
  return rows
    .filter((row) => row.bound !== null && !(row.maxScoreDifferenceFromWebrerank <= row.bound))
    .map((row) => `${row.peer}: scores differ from webrerank's by up to ${row.maxScoreDifferenceFromWebrerank.toExponential(2)}, more than the ${row.bound?.toExponential(0)} allowed`);
}
