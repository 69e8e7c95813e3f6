/**
 * The Node backend plan and its WebGPU probe's model: what `createReranker({ backend })` tries,
 * in which order, and when it refuses.
 */
import { describe, expect, it } from 'vitest';
import { planNodeBackends } from '../../src/node/backend-plan.js';
import { expectedProbeOutput, probeModelBytes } from '../../src/node/webgpu-probe.js';
import type { NodeWebGpuCapabilities } from '../../src/node/webgpu-probe.js';
import { buildProbeModel } from '../../tools/standin/probe-model.js';

const F16: NodeWebGpuCapabilities = { available: true, shaderF16: true, milliseconds: 1 };
const NO_F16: NodeWebGpuCapabilities = { available: true, shaderF16: false, reason: 'Program MatMul requires f16', milliseconds: 1 };
const NONE: NodeWebGpuCapabilities = { available: false, shaderF16: false, reason: 'Failed to get a WebGPU adapter', milliseconds: 1 };

const steps = (runtimes: ReturnType<typeof planNodeBackends>) => runtimes.map(({ device, dtype }) => `${device}/${dtype}`);

describe('planNodeBackends', () => {
  it('runs cpu and wasm as asked, q8 unless told otherwise', () => {
    expect(planNodeBackends('cpu', undefined, 4)).toEqual([expect.objectContaining({ device: 'cpu', dtype: 'q8', threads: 4 })]);
    expect(steps(planNodeBackends('wasm', 'fp32', 2))).toEqual(['wasm/fp32']);
  });

  it('on WebGPU with shader-f16: fp16, then fp32 there, then the CPU at fp32', () => {
    const plan = planNodeBackends('webgpu', undefined, 2, F16);
    expect(steps(plan)).toEqual(['webgpu/fp16', 'webgpu/fp32', 'cpu/fp32']);
    expect(plan[1]?.reason).toMatch(/fails or overflows/);
    expect(steps(planNodeBackends('webgpu', 'fp16', 2, F16))).toEqual(['webgpu/fp16', 'webgpu/fp32', 'cpu/fp32']);
  });

  it('uses fp32 on WebGPU when the adapter lacks shader-f16 or fp32 is asked for', () => {
    const plan = planNodeBackends('webgpu', undefined, 2, NO_F16);
    expect(steps(plan)).toEqual(['webgpu/fp32', 'cpu/fp32']);
    expect(plan[0]?.reason).toMatch(/lacks shader-f16 \(Program MatMul requires f16\)/);
    expect(steps(planNodeBackends('webgpu', 'fp32', 2, F16))).toEqual(['webgpu/fp32', 'cpu/fp32']);
  });

  it('refuses what cannot run with 503 model_unavailable: no adapter, q8 on WebGPU, fp16 without shader-f16', () => {
    expect(() => planNodeBackends('webgpu', undefined, 2, NONE)).toThrow(expect.objectContaining({ status: 503, code: 'model_unavailable', message: expect.stringMatching(/Failed to get a WebGPU adapter.*--backend cpu/) }));
    expect(() => planNodeBackends('webgpu', 'q8', 2, F16)).toThrow(expect.objectContaining({ code: 'model_unavailable', message: expect.stringMatching(/q8 on WebGPU/) }));
    expect(() => planNodeBackends('webgpu', 'fp16', 2, NO_F16)).toThrow(expect.objectContaining({ code: 'model_unavailable', message: expect.stringMatching(/shader-f16/) }));
  });
});

describe('the WebGPU probe model', () => {
  it('is the graph tools/standin builds from the same weights', () => {
    expect(Buffer.from(probeModelBytes()).equals(Buffer.from(buildProbeModel()))).toBe(true);
  });

  it('expects a softmax per row: two rows of four probabilities that sum to 1, not uniform', () => {
    const expected = expectedProbeOutput();
    expect(expected).toHaveLength(8);
    expect(expected.slice(0, 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.1);
  });
});
