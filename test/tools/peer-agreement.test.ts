/**
 * bench/peers.ts fails when a peer's scores are further from webrerank's than the bound for its
 * dtype and batching: these are the rules it applies.
 */
import { describe, expect, it } from 'vitest';
import { disagreements, FP32_BOUND, largestDifference, peerBound, Q8_PER_PAIR_BOUND } from '../../bench/peer-agreement.js';

const row = (peer: string, ours: number[], theirs: number[]) => {
  const bound = peerBound(peer);
  return { peer, pairsPerSecond: 1, maxScoreDifferenceFromWebrerank: largestDifference(ours, theirs), bound: 'bound' in bound ? bound.bound : null };
};

describe('peer score agreement', () => {
  it('holds fp32 peers to 1e-5, q8 run one pair at a time to 1e-4, and a padded q8 batch to none', () => {
    expect(peerBound('python-onnxruntime-padded-fp32')).toEqual({ bound: FP32_BOUND });
    expect(peerBound('sentence-transformers-cross-encoder-fp32')).toEqual({ bound: 1e-5 });
    expect(peerBound('python-onnxruntime-per-pair-q8')).toEqual({ bound: Q8_PER_PAIR_BOUND });
    expect(Q8_PER_PAIR_BOUND).toBe(1e-4);
    expect(peerBound('python-onnxruntime-padded-q8')).toEqual({ unbounded: expect.stringContaining('batch-mates') });
  });

  it('names an fp32 peer 2e-5 away from webrerank and passes one 5e-6 away', () => {
    const ours = [0.25, 0.5, 0.75];
    const failures = disagreements([row('python-onnxruntime-padded-fp32', ours, [0.25, 0.50002, 0.75]), row('sentence-transformers-cross-encoder-fp32', ours, [0.250005, 0.5, 0.75])]);
    expect(failures).toEqual([expect.stringMatching(/^python-onnxruntime-padded-fp32: scores differ from webrerank's by up to 2\.00e-5, more than the 1e-5 allowed$/)]);
  });

  it('lets a padded q8 batch differ but not a q8 peer run one pair at a time', () => {
    const ours = [0.25, 0.5];
    const failures = disagreements([row('python-onnxruntime-padded-q8', ours, [0.26, 0.49]), row('python-onnxruntime-per-pair-q8', ours, [0.2502, 0.5])]);
    expect(failures).toEqual([expect.stringContaining('python-onnxruntime-per-pair-q8')]);
  });

  it('counts a missing or NaN score as a disagreement, never as agreement', () => {
    expect(largestDifference([0.5, 0.5], [0.5])).toBe(Number.POSITIVE_INFINITY);
    expect(largestDifference([0.5, 0.5], [0.5, Number.NaN])).toBe(Number.POSITIVE_INFINITY);
    expect(largestDifference([], [])).toBe(Number.POSITIVE_INFINITY);
    expect(disagreements([row('python-onnxruntime-per-pair-fp32', [0.5], [Number.NaN])])).toHaveLength(1);
  });
});
