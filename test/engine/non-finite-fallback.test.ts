/**
 * The engine's answer to NaN/Inf output (fp16 overflow): rerun the request on the next runtime of
 * the plan, say why in `info().fallbacks`, and stay there. The same engine runs in the browser
 * worker and in Node; here it drives a scripted model, so each runtime's output is chosen exactly.
 */
import { describe, expect, it } from 'vitest';
import type { CrossEncoder, CrossEncoderLoader, RuntimeChoice } from '../../src/engine/cross-encoder.js';
import { RerankEngine } from '../../src/engine/engine.js';
import { ModelRegistry } from '../../src/core/models.js';
import { scriptedEncoder } from '../support/scripted-encoder.js';

const MODEL = 'test/model';
const request = { model: MODEL, query: 'q', documents: ['a', 'bb', 'ccc'] };

/**
 * A model whose logit for a pair is its length (so results are predictable), except on the
 * runtimes listed in `broken`, which answer NaN — as an overflowing fp16 graph does.
 */
function scriptedLoader(broken: ReadonlySet<string>, loads: string[], runs: string[]): CrossEncoderLoader {
  return async (_entry, runtime: RuntimeChoice): Promise<CrossEncoder> => {
    const name = `${runtime.device}/${runtime.dtype}`;
    loads.push(name);
    return scriptedEncoder(runtime, (batch) => {
      runs.push(name);
      return Float32Array.from({ length: batch.rows }, (_, row) => {
        const mask = batch.attentionMask.subarray(row * batch.width, (row + 1) * batch.width);
        return broken.has(name) ? Number.NaN : mask.reduce((sum, bit) => sum + Number(bit), 0) / 10;
      });
    });
  };
}

function engine(broken: string[], loads: string[] = [], runs: string[] = []): RerankEngine {
  return new RerankEngine({
    registry: new ModelRegistry([{ id: MODEL, source: { path: '/unused/model' } }]),
    runtimes: [
      { device: 'webgpu', dtype: 'fp16' },
      { device: 'webgpu', dtype: 'fp32' },
      { device: 'cpu', dtype: 'fp32' },
    ],
    loader: scriptedLoader(new Set(broken), loads, runs),
  });
}

describe('non-finite output', () => {
  it('is answered by the next runtime, recorded in info().fallbacks, and the choice is kept for later requests', async () => {
    const loads: string[] = [];
    const runs: string[] = [];
    const reranker = engine(['webgpu/fp16'], loads, runs);
    const first = await reranker.rerank(request);
    // The answer says it came from the fallback, and why.
    expect(first.meta).toEqual({ backend: 'webgpu', dtype: 'fp32', warnings: [expect.stringMatching(/^Computed on webgpu\/fp32 because the run on webgpu\/fp16 failed \(NaN or infinite logits on webgpu\/fp16 \(fp16 overflow\)/)] });
    expect(first.results.map((result) => result.index)).toEqual([2, 1, 0]);
    expect(first.results.every((result) => Number.isFinite(result.relevance_score))).toBe(true);
    expect(await reranker.info()).toMatchObject({
      backend: 'webgpu',
      dtype: 'fp32',
      fallbacks: [{ backend: 'webgpu', dtype: 'fp16', reason: expect.stringMatching(/NaN or infinite logits on webgpu\/fp16 \(fp16 overflow\)/) }],
    });

    await reranker.rerank(request);
    expect(loads).toEqual(['webgpu/fp16', 'webgpu/fp32']);
    expect(runs.filter((name) => name === 'webgpu/fp16')).toHaveLength(1);
    expect((await reranker.info()).fallbacks).toHaveLength(1);
  });

  it('moves on step by step until a runtime answers (fp16, then fp32 on WebGPU, then the CPU)', async () => {
    const reranker = engine(['webgpu/fp16', 'webgpu/fp32']);
    expect((await reranker.rerank(request)).meta).toEqual({ backend: 'cpu', dtype: 'fp32', warnings: [expect.stringMatching(/^Computed on webgpu\/fp32 because the run on webgpu\/fp16/), expect.stringMatching(/^Computed on cpu\/fp32 because the run on webgpu\/fp32/)] });
    expect((await reranker.info()).fallbacks?.map((step) => `${step.backend}/${step.dtype}`)).toEqual(['webgpu/fp16', 'webgpu/fp32']);
  });

  it('sends requests that were queued on the failing runtime to its replacement, which loads once', async () => {
    const loads: string[] = [];
    const reranker = engine(['webgpu/fp16'], loads);
    const responses = await Promise.all([reranker.rerank(request), reranker.rerank(request), reranker.rerank(request)]);
    expect(responses.map((response) => response.meta?.dtype)).toEqual(['fp32', 'fp32', 'fp32']);
    expect(loads).toEqual(['webgpu/fp16', 'webgpu/fp32']);
    expect((await reranker.info()).fallbacks).toHaveLength(1);
  });

  it('is refused with 500 non_finite_score when no runtime is left to try', async () => {
    const reranker = engine(['webgpu/fp16', 'webgpu/fp32', 'cpu/fp32']);
    await expect(reranker.rerank(request)).rejects.toMatchObject({ status: 500, code: 'non_finite_score' });
  });
});
