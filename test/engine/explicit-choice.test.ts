/**
 * An explicit backend or dtype runs as asked or is refused with 503 model_unavailable naming what
 * would run instead; it is never silently replaced because it would not load. Only a choice left
 * to the plan (WebGPU's default dtype) moves on at load time.
 */
import { describe, expect, it } from 'vitest';
import type { CrossEncoder, CrossEncoderLoader } from '../../src/engine/cross-encoder.js';
import { RerankEngine } from '../../src/engine/engine.js';
import { RerankError } from '../../src/core/errors.js';
import { ModelRegistry } from '../../src/core/models.js';
import { scriptedEncoder } from '../support/scripted-encoder.js';
import { planNodeBackends } from '../../src/node/backend-plan.js';
import type { NodeWebGpuCapabilities } from '../../src/node/webgpu-probe.js';
import type { Dtype } from '../../src/core/contract.js';

const MODEL = 'test/model';
const request = { model: MODEL, query: 'q', documents: ['a', 'bb'] };
const GPU_WITH_F16: NodeWebGpuCapabilities = { available: true, shaderF16: true, milliseconds: 0 };

/** A model that cannot load in fp16 (the folder has no fp16 file), and loads in anything else. */
const noFp16: CrossEncoderLoader = async (_entry, runtime): Promise<CrossEncoder> => {
  if (runtime.dtype === 'fp16') throw new RerankError('model_unavailable', 'No onnx/model_fp16.onnx in the folder; this folder has fp32, q8 only: --dtype fp32.');
  return scriptedEncoder(runtime, (batch) => new Float32Array(batch.rows).fill(0.5));
};

function engineFor(dtype: Dtype | undefined): RerankEngine {
  const runtimes = planNodeBackends('webgpu', dtype, 2, GPU_WITH_F16).map(({ reason: _reason, ...runtime }) => runtime);
  return new RerankEngine({ registry: new ModelRegistry([{ id: MODEL, source: { path: '/unused/model' } }]), runtimes, loader: noFp16 });
}

describe('an explicit choice', () => {
  it('--dtype fp16 on WebGPU that cannot load is refused with 503 model_unavailable, naming what would run', async () => {
    const error = await engineFor('fp16').rerank(request).then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(RerankError);
    expect((error as RerankError).status).toBe(503);
    expect((error as RerankError).code).toBe('model_unavailable');
    expect((error as RerankError).message).toBe(
      `Model "${MODEL}" can't run on webgpu/fp16, which was asked for: No onnx/model_fp16.onnx in the folder; this folder has fp32, q8 only: --dtype fp32. Ask for webgpu/fp32 or cpu/fp32 to run it here.`,
    );
  });

  it('--backend webgpu with the dtype left to the plan moves from fp16 to fp32 on WebGPU, never to the CPU', async () => {
    const reranker = engineFor(undefined);
    const response = await reranker.rerank(request);
    expect(response.meta).toEqual({ backend: 'webgpu', dtype: 'fp32' });
    expect((await reranker.info()).fallbacks?.map((step) => `${step.backend}/${step.dtype}`)).toEqual(['webgpu/fp16']);
  });
});
