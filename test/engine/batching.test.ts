import { describe, expect, it } from 'vitest';
import { engineBatching, packBatch, planBatches } from '../../src/engine/batching.js';

describe('planBatches', () => {
  it('puts every pair in exactly one batch', () => {
    const lengths = Array.from({ length: 100 }, (_, i) => 16 + ((i * 37) % 480));
    const batches = planBatches(lengths, { tokenBudget: 2048, maxBatchSize: 64 });
    expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
  });

  it('keeps every batch within the padded-token budget unless a single pair is longer', () => {
    const lengths = [500, 20, 480, 30, 3000, 25, 100, 120];
    const batches = planBatches(lengths, { tokenBudget: 1024, maxBatchSize: 64 });
    for (const batch of batches) {
      const padded = batch.length * Math.max(...batch.map((i) => lengths[i] as number));
      expect(batch.length === 1 || padded <= 1024).toBe(true);
    }
    expect(batches[0]).toEqual([4]);
  });

  it('groups similar lengths so short documents are not padded to the longest', () => {
    const lengths = [480, 16, 470, 20, 18, 475];
    const batches = planBatches(lengths, { tokenBudget: 1500, maxBatchSize: 64 });
    expect(batches).toEqual([[0, 5, 2], [3, 4, 1]]);
  });

  it('runs every pair alone when maxBatchSize is 1', () => {
    expect(planBatches([5, 9, 7], { tokenBudget: 4096, maxBatchSize: 1 })).toEqual([[1], [2], [0]]);
  });
});

describe('packBatch', () => {
  it('pads rows on the right and masks the padding', () => {
    const batch = packBatch([[0, 5, 2], [0, 6, 7, 8, 2]], [1, 0], 1);
    expect([batch.rows, batch.width, batch.tokens]).toEqual([2, 5, 8]);
    expect(Array.from(batch.inputIds, Number)).toEqual([0, 6, 7, 8, 2, 0, 5, 2, 1, 1]);
    expect(Array.from(batch.attentionMask, Number)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect(batch.tokenTypeIds).toBeUndefined();
  });

  it('marks the second segment for models that take token_type_ids', () => {
    const batch = packBatch([[101, 5, 102, 7, 8, 102]], [0], 0, [3]);
    expect(Array.from(batch.tokenTypeIds ?? [], Number)).toEqual([0, 0, 0, 1, 1, 1]);
  });
});

describe('engineBatching', () => {
  it('defaults to 512 padded tokens on CPUs (WASM, native) and 2048 on WebGPU', () => {
    expect(engineBatching('fp32', 'wasm').tokenBudget).toBe(512);
    expect(engineBatching('fp32', 'cpu').tokenBudget).toBe(512);
    expect(engineBatching('fp16', 'webgpu').tokenBudget).toBe(2048);
    expect(engineBatching('fp32', 'wasm', { tokenBudget: 4096 }).tokenBudget).toBe(4096);
  });

  it('runs q8 pairs one at a time unless batch invariance is turned off', () => {
    expect(engineBatching('q8', 'wasm').maxBatchSize).toBe(1);
    expect(engineBatching('q8', 'wasm', { batchInvariant: false }).maxBatchSize).toBe(64);
    expect(engineBatching('fp32', 'wasm').maxBatchSize).toBe(64);
  });
});
