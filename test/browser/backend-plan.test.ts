import { describe, expect, it } from 'vitest';
import { BGE_RERANKER_V2_M3_FOOTPRINT, MAX_WASM_THREADS, planBackends } from '../../src/browser/shared/backend-plan.js';
import type { Capabilities, WebGpuCapabilities } from '../../src/browser/shared/capabilities.js';
import { isRerankError, type RerankError } from '../../src/core/errors.js';

const NO_GPU: WebGpuCapabilities = { available: false, isFallbackAdapter: false, shaderF16: false, maxBufferSize: 0, maxStorageBufferBindingSize: 0, reason: 'requestAdapter() returned null' };
const GPU: WebGpuCapabilities = { available: true, isFallbackAdapter: false, shaderF16: true, maxBufferSize: 4 * 2 ** 30, maxStorageBufferBindingSize: 2 * 2 ** 30, vendor: 'nvidia' };

function device(overrides: Partial<Capabilities> = {}): Capabilities {
  return {
    context: 'worker',
    webgpu: NO_GPU,
    wasm: true,
    crossOriginIsolated: true,
    sharedArrayBuffer: true,
    hardwareConcurrency: 8,
    deviceMemory: 8,
    webnn: { available: false },
    ...overrides,
  };
}

function refusal(run: () => unknown): RerankError {
  try {
    run();
  } catch (error) {
    expect(isRerankError(error)).toBe(true);
    return error as RerankError;
  }
  throw new Error('expected the plan to be refused');
}

const summary = (plan: ReturnType<typeof planBackends>) => plan.runtimes.map(({ device, dtype, threads }) => ({ device, dtype, threads }));

describe('planBackends', () => {
  it('tries WebGPU fp16 first on an adapter with shader-f16, then fp32 there, then threaded WASM q8 (all with the WASM threads, which ORT fixes once)', () => {
    const plan = planBackends(device({ webgpu: GPU }));
    expect(summary(plan)).toEqual([
      { device: 'webgpu', dtype: 'fp16', threads: 8 },
      { device: 'webgpu', dtype: 'fp32', threads: 8 },
      { device: 'wasm', dtype: 'q8', threads: 8 },
    ]);
    expect(plan.runtimes[0]?.reason).toMatch(/shader-f16/);
    expect(plan.runtimes[1]?.reason).toMatch(/if fp16 fails or overflows/);
    expect(plan.local).toBe(true);
    expect(Object.isFrozen(plan)).toBe(true);
  });

  it('uses fp32 on WebGPU without shader-f16, and never q8 there', () => {
    const plan = planBackends(device({ webgpu: { ...GPU, shaderF16: false } }));
    expect(plan.runtimes[0]).toMatchObject({ device: 'webgpu', dtype: 'fp32', reason: expect.stringMatching(/lacks shader-f16/) });
    expect(planBackends(device({ webgpu: GPU }), { dtype: 'q8' }).skipped).toContainEqual({ device: 'webgpu', reason: expect.stringMatching(/q8 on WebGPU/) });
  });

  it('falls back to WASM alone when there is no adapter, saying why', () => {
    const plan = planBackends(device());
    expect(summary(plan)).toEqual([{ device: 'wasm', dtype: 'q8', threads: 8 }]);
    expect(plan.skipped).toEqual([{ device: 'webgpu', reason: 'requestAdapter() returned null' }]);
  });

  it('passes over a software adapter unless WebGPU is forced', () => {
    const software = device({ webgpu: { ...GPU, isFallbackAdapter: true, shaderF16: false } });
    expect(planBackends(software).runtimes.map((runtime) => runtime.device)).toEqual(['wasm']);
    expect(summary(planBackends(software, { device: 'webgpu' }))).toEqual([{ device: 'webgpu', dtype: 'fp32', threads: 8 }]);
  });

  it('gives WASM one thread per core, capped, only when cross-origin isolated', () => {
    expect(planBackends(device({ hardwareConcurrency: 64 })).runtimes[0]?.threads).toBe(MAX_WASM_THREADS);
    expect(planBackends(device({ hardwareConcurrency: 2 })).runtimes[0]?.threads).toBe(2);
    const isolatedless = planBackends(device({ crossOriginIsolated: false, sharedArrayBuffer: false }));
    expect(isolatedless.runtimes[0]).toMatchObject({ threads: 1, reason: expect.stringMatching(/not cross-origin isolated/) });
    expect(planBackends(device({ crossOriginIsolated: false }), { threads: 4 }).runtimes[0]?.threads).toBe(1);
    expect(planBackends(device(), { threads: 3 }).runtimes[0]?.threads).toBe(3);
  });

  it("gives WASM in the page's own thread one thread unless ORT's files have their own URL (wasmPaths), forced or not", () => {
    const page = device({ context: 'window' });
    const single = planBackends(page).runtimes[0];
    expect(single).toMatchObject({ threads: 1, reason: expect.stringMatching(/page's own thread .* give wasmPaths/) });
    expect(planBackends(page, { threads: 4 }).runtimes[0]?.threads).toBe(1);
    expect(planBackends(page, {}, undefined, { ownWasmFiles: true }).runtimes[0]?.threads).toBe(8);
    expect(planBackends(page, { threads: 4 }, undefined, { ownWasmFiles: true }).runtimes[0]?.threads).toBe(4);
  });

  it('honours a forced device and dtype', () => {
    expect(summary(planBackends(device({ webgpu: GPU }), { device: 'wasm', dtype: 'fp32' }))).toEqual([{ device: 'wasm', dtype: 'fp32', threads: 8 }]);
    expect(summary(planBackends(device({ webgpu: GPU }), { dtype: 'fp32' }))).toEqual([
      { device: 'webgpu', dtype: 'fp32', threads: 8 },
      { device: 'wasm', dtype: 'fp32', threads: 8 },
    ]);
  });

  it('refuses an impossible forced choice with 503, listing what would work', () => {
    const noGpu = refusal(() => planBackends(device(), { device: 'webgpu' }));
    expect(noGpu).toMatchObject({ status: 503, code: 'model_unavailable' });
    expect(noGpu.message).toMatch(/device 'webgpu' can't run/);
    expect(noGpu.message).toMatch(/Alternatives here: \{ device: 'wasm', dtype: 'q8' \}, \{ device: 'wasm', dtype: 'fp32' \}/);

    const fp16 = refusal(() => planBackends(device({ webgpu: { ...GPU, shaderF16: false } }), { device: 'webgpu', dtype: 'fp16' }));
    expect(fp16.message).toMatch(/shader-f16/);
    expect(fp16.message).toMatch(/\{ device: 'webgpu', dtype: 'fp32' \}/);

    expect(refusal(() => planBackends(device({ wasm: false }))).message).toMatch(/Alternatives here: none/);
  });

  it('skips WebGPU when the model\'s largest tensor would not fit one buffer binding', () => {
    const small = device({ webgpu: { ...GPU, shaderF16: false, maxStorageBufferBindingSize: 128 * 2 ** 20 } });
    const plan = planBackends(small, {}, BGE_RERANKER_V2_M3_FOOTPRINT);
    expect(plan.runtimes.map((runtime) => runtime.device)).toEqual(['wasm']);
    expect(plan.skipped[0]?.reason).toMatch(/exceeds the adapter's buffer limit/);
  });

  it('says the real model should not run locally without a GPU or threads, or with little memory', () => {
    const model = BGE_RERANKER_V2_M3_FOOTPRINT;
    expect(planBackends(device(), {}, model)).toMatchObject({ local: true, localReason: 'WASM with 8 threads' });
    expect(planBackends(device({ webgpu: GPU }), {}, model)).toMatchObject({ local: true, localReason: 'a hardware WebGPU adapter' });
    expect(planBackends(device({ crossOriginIsolated: false }), {}, model)).toMatchObject({ local: false, localReason: expect.stringMatching(/single-threaded/) });
    expect(planBackends(device({ deviceMemory: 0.5 }), {}, model)).toMatchObject({ local: false, localReason: expect.stringMatching(/0.5 GiB/) });
    // A model of unknown size (the user's own) is not second-guessed.
    expect(planBackends(device({ crossOriginIsolated: false, deviceMemory: 0.5 })).local).toBe(true);
  });
});
