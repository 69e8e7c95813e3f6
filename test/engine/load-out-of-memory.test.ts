/**
 * A model that cannot load because memory ran out is a 503 `out_of_memory`, not a generic
 * `model_load_failed`: the user learns to pick a smaller dtype, not to retry. The loader here hits
 * a real allocation failure — a WebAssembly heap asked to grow past its maximum, as
 * onnxruntime-web's heap does when a model does not fit — so nothing about the error is made up.
 */
import { describe, expect, it } from 'vitest';
import type { CrossEncoderLoader, RuntimeChoice } from '../../src/engine/cross-encoder.js';
import { RerankEngine } from '../../src/engine/engine.js';
import { ModelRegistry } from '../../src/core/models.js';

const MODEL = 'test/model';

/** Grows a one-page WebAssembly heap that may not grow: the runtime refuses the allocation. */
function exhaustWasmHeap(): never {
  new WebAssembly.Memory({ initial: 1, maximum: 1 }).grow(1);
  throw new Error('a WebAssembly heap grew past its maximum');
}

/** Fails every load: out of memory on the runtimes in `outOfMemory`, a missing file elsewhere. */
function failingLoader(outOfMemory: ReadonlySet<string>): CrossEncoderLoader {
  return async (_entry, runtime: RuntimeChoice) => {
    if (outOfMemory.has(`${runtime.device}/${runtime.dtype}`)) exhaustWasmHeap();
    throw new Error(`Could not locate file: onnx/model_${runtime.dtype}.onnx`);
  };
}

function engine(runtimes: RuntimeChoice[], outOfMemory: string[]): RerankEngine {
  return new RerankEngine({
    registry: new ModelRegistry([{ id: MODEL, source: { path: '/unused/model' } }]),
    runtimes,
    loader: failingLoader(new Set(outOfMemory)),
  });
}

describe('a model load that runs out of memory', () => {
  it('is reported as 503 out_of_memory, with every backend tried named in the message', async () => {
    const reranker = engine([{ device: 'wasm', dtype: 'fp32' }], ['wasm/fp32']);
    const error = await reranker.load(MODEL).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'RerankError', status: 503, code: 'out_of_memory' });
    expect((error as Error).message).toMatch(/^Model "test\/model" failed to load\. wasm\/fp32: .*Maximum memory size exceeded/);
    expect(await reranker.info()).toMatchObject({ state: 'failed' });
  });

  it('answers a rerank with out_of_memory too, when the last backend tried ran out of memory', async () => {
    const reranker = engine([{ device: 'webgpu', dtype: 'fp16' }, { device: 'wasm', dtype: 'q8' }], ['wasm/q8']);
    const error = await reranker.rerank({ model: MODEL, query: 'q', documents: ['a'] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 503, code: 'out_of_memory' });
    expect((error as Error).message).toMatch(/webgpu\/fp16: Could not locate file.*\| wasm\/q8: .*Maximum memory size exceeded/);
  });

  it('stays model_load_failed when memory was not what stopped the last backend', async () => {
    const reranker = engine([{ device: 'wasm', dtype: 'fp32' }, { device: 'wasm', dtype: 'q8' }], ['wasm/fp32']);
    const error = await reranker.load(MODEL).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 503, code: 'model_load_failed' });
  });
});
