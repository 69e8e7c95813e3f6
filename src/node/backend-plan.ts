/**
 * Which runtimes a Node reranker tries, in order: a pure function of the backend asked for, the
 * dtype, and what the WebGPU probe found.
 *
 * - `cpu` (the default) and `wasm` run exactly what was asked, q8 unless told otherwise.
 * - `webgpu` follows the browser plan's rules: fp16 only when the adapter has `shader-f16`
 *   (proved by running fp16, see `probeNodeWebGpu`), else fp32; never q8 (its quantized matmuls
 *   run on the CPU there). Then come the fallbacks a failed or non-finite run moves to: fp32 on
 *   WebGPU after fp16, and last the CPU at fp32 — the precision the GPU steps are compared to, so
 *   a fallback changes the speed, not the scores.
 */
import type { RuntimeChoice } from '../engine/cross-encoder.js';
import { RerankError } from '../core/errors.js';
import type { NodeWebGpuCapabilities } from './webgpu-probe.js';
import type { Dtype } from '../core/contract.js';

/** The backends a Node reranker runs on. */
export type NodeBackend = 'cpu' | 'wasm' | 'webgpu';

/** One runtime to try, and why it is in the plan. */
export interface NodePlannedRuntime extends RuntimeChoice {
  reason: string;
}

/**
 * The runtimes to try for `backend`. `gpu` is needed only for `webgpu`. Throws 503
 * `model_unavailable` for a choice this machine can't run, naming what it can.
 *
 * @example
 * const runtimes = planNodeBackends('webgpu', undefined, 4, await probeNodeWebGpu());
 * // [{ device: 'webgpu', dtype: 'fp16', … }, { device: 'webgpu', dtype: 'fp32', … }, { device: 'cpu', dtype: 'fp32', … }]
 */
export function planNodeBackends(backend: NodeBackend, dtype: Dtype | undefined, threads: number, gpu?: NodeWebGpuCapabilities): NodePlannedRuntime[] {
  if (backend !== 'webgpu') {
    const chosen = dtype ?? 'q8';
    return [{ device: backend, dtype: chosen, threads, reason: `${backend} was asked for, ${dtype ? `dtype '${chosen}' too` : "q8 by default (4× smaller than fp32, fastest on CPU)"}` }];
  }
  if (!gpu?.available) {
    throw new RerankError('model_unavailable', `WebGPU can't run here: ${gpu?.reason ?? 'not probed'}. Use the cpu backend instead (--backend cpu).`);
  }
  if (dtype === 'q8') {
    throw new RerankError('model_unavailable', "q8 on WebGPU runs its quantized matmuls on the CPU (slow, and known to disagree with WASM). Use dtype 'fp16' or 'fp32' on WebGPU, or q8 on the cpu backend.");
  }
  if (dtype === 'fp16' && !gpu.shaderF16) {
    throw new RerankError('model_unavailable', `fp16 needs the adapter's shader-f16: ${gpu.reason ?? 'missing'}. Use dtype 'fp32' on WebGPU.`);
  }
  const runtimes: NodePlannedRuntime[] = [];
  const fp16 = dtype === 'fp16' || (dtype === undefined && gpu.shaderF16);
  if (fp16) {
    runtimes.push({ device: 'webgpu', dtype: 'fp16', reason: dtype ? "dtype 'fp16' was asked for; the adapter has shader-f16" : 'the adapter has shader-f16, so fp16 (half the memory of fp32)' });
  }
  runtimes.push({
    device: 'webgpu',
    dtype: 'fp32',
    // An fp16 that was asked for is not swapped for fp32 because it would not load.
    ...(fp16 && dtype === 'fp16' ? { afterRunFailureOnly: true } : {}),
    reason: fp16 ? 'if fp16 fails or overflows (NaN/Inf)' : dtype ? "dtype 'fp32' was asked for" : `the adapter lacks shader-f16 (${gpu.reason ?? 'probe failed'}), so fp32`,
  });
  // WebGPU was asked for: the CPU answers only for a run that failed there, never for a load.
  runtimes.push({ device: 'cpu', dtype: 'fp32', threads, afterRunFailureOnly: true, reason: 'if a WebGPU run fails: the CPU at fp32, the precision the GPU steps are checked against' });
  return runtimes;
}

/**
 * The dtypes a plan for `backend` could load first, before any probe: what was asked for, else
 * the backend's defaults (q8 on cpu and wasm; fp16 or fp32 on WebGPU, as the adapter allows).
 */
export function candidateDtypes(backend: NodeBackend, dtype: Dtype | undefined): Dtype[] {
  if (dtype !== undefined) return [dtype];
  return backend === 'webgpu' ? ['fp16', 'fp32'] : ['q8'];
}
