/**
 * Which backends to try, in which order, with which precision: a pure function of the device's
 * capabilities and the user's overrides, with a reason for every decision.
 *
 * The rules, and why:
 * - WebGPU first when a real (hardware) adapter exists: fp16 with `shader-f16` (half the memory and
 *   bandwidth), else fp32. After fp16 comes fp32 on the same adapter: where fp16 fails to build or
 *   overflows (NaN/Inf, as large encoders can), the engine moves there before leaving the GPU. Never q8 on WebGPU — ORT runs its MatMulInteger and
 *   DynamicQuantizeLinear nodes on the CPU there, slower than WASM and known to disagree with it.
 *   A software adapter (SwiftShader) is skipped unless WebGPU is forced: it is slower than WASM.
 * - Then WASM q8 (4× smaller than fp32, fastest on CPU), with one thread per core (at most 8) when
 *   the page is cross-origin isolated — threads need SharedArrayBuffer — else one thread.
 */
import type { RuntimeChoice } from '../../engine/cross-encoder.js';
import type { Capabilities } from './capabilities.js';
import { RerankError } from '../../core/errors.js';
import type { Dtype } from '../../core/contract.js';

/** What a user may force. Unset fields are chosen from the capabilities. */
export interface BackendOverrides {
  /** Run only on this backend; an impossible choice throws, listing what would work. */
  device?: 'webgpu' | 'wasm';
  /** Model precision; an impossible choice throws, listing what would work. */
  dtype?: Dtype;
  /** WASM threads (default: cores, at most 8, when cross-origin isolated; else 1). */
  threads?: number;
}

/** Where the model runs, beyond what the probe sees. */
export interface PlanSetting {
  /**
   * onnxruntime-web loads its `.mjs` from a URL of its own (`wasmPaths` is set). In the page's own
   * thread that is what makes threads safe: otherwise ORT starts each thread from the bundle chunk
   * that holds it, and in a production build that chunk imports the app's entry, so every thread
   * runs the app (and dies on `document`) while ORT waits for it forever.
   */
  ownWasmFiles?: boolean;
}

/**
 * How big a model is, per dtype, so the plan can refuse what can't fit (a GPU buffer, RAM).
 * Unknown for a user's own model: then only the device's own limits apply.
 */
export interface ModelFootprint {
  /** Bytes of all weights. */
  bytes: Partial<Record<Dtype, number>>;
  /** Bytes of the largest single tensor, which must fit one GPU storage binding. */
  largestTensor: Partial<Record<Dtype, number>>;
}

/** bge-reranker-v2-m3 (XLM-R large; the 250002 × 1024 embedding is the largest tensor). */
export const BGE_RERANKER_V2_M3_FOOTPRINT: ModelFootprint = Object.freeze({
  bytes: Object.freeze({ fp32: 2_270_000_000, fp16: 1_136_000_000, q8: 571_000_000 }),
  largestTensor: Object.freeze({ fp32: 250_002 * 1024 * 4, fp16: 250_002 * 1024 * 2, q8: 250_002 * 1024 }),
});

/** One backend to try, and why it is in the plan. */
export interface PlannedRuntime extends RuntimeChoice {
  device: 'webgpu' | 'wasm';
  reason: string;
}

export interface BackendPlan {
  /** Backends to try, in order; the engine takes the first that loads. */
  readonly runtimes: readonly PlannedRuntime[];
  /** Backends left out, and why. */
  readonly skipped: readonly { device: 'webgpu' | 'wasm'; reason: string }[];
  /**
   * Whether this device can run the model locally at a usable speed. False (e.g. no GPU and
   * single-threaded WASM, or too little memory) is the cue for a remote fallback; a local run is
   * still possible, only slow or at risk.
   */
  readonly local: boolean;
  readonly localReason: string;
}

/** Most WASM threads: past this, a cross-encoder this size gains little and the page loses cores. */
export const MAX_WASM_THREADS = 8;

const WEBGPU_DTYPES: readonly Dtype[] = ['fp16', 'fp32'];
const WASM_DTYPES: readonly Dtype[] = ['q8', 'fp32', 'fp16'];

/**
 * The ordered backends to try on this device.
 *
 * @example
 * const plan = planBackends(await probeCapabilities(), { dtype: 'fp32' });
 * const engine = new RerankEngine({ runtimes: [...plan.runtimes] });
 */
export function planBackends(capabilities: Capabilities, overrides: BackendOverrides = {}, footprint?: ModelFootprint, setting: PlanSetting = {}): BackendPlan {
  let webgpu = planWebGpu(capabilities, overrides, footprint);
  const wasm = planWasm(capabilities, overrides, setting);
  // ORT reads its WASM thread count once, when its WASM module starts — and the WebGPU backend
  // starts that same module. Give WebGPU the WASM thread count so a fallback keeps its threads.
  if ('runtime' in webgpu && 'runtime' in wasm) webgpu = { runtime: { ...webgpu.runtime, threads: wasm.runtime.threads ?? 1 } };
  const wanted = overrides.device;

  const runtimes: PlannedRuntime[] = [];
  const skipped: BackendPlan['skipped'][number][] = [];
  for (const [device, choice] of [['webgpu', webgpu], ['wasm', wasm]] as const) {
    if (wanted !== undefined && wanted !== device) {
      skipped.push({ device, reason: `device '${wanted}' was forced` });
    } else if ('runtime' in choice) {
      runtimes.push(choice.runtime);
      if (choice.runtime.device === 'webgpu' && choice.runtime.dtype === 'fp16') {
        const fp32 = planWebGpu(capabilities, { ...overrides, dtype: 'fp32' }, footprint);
        if ('runtime' in fp32) runtimes.push({ ...choice.runtime, dtype: 'fp32', reason: 'fp32 on the same adapter, if fp16 fails or overflows (NaN/Inf)' });
      }
    } else {
      skipped.push({ device, reason: choice.refused });
    }
  }

  if (runtimes.length === 0) {
    const forced = [wanted && `device '${wanted}'`, overrides.dtype && `dtype '${overrides.dtype}'`].filter(Boolean).join(' with ');
    throw new RerankError(
      'model_unavailable',
      `${forced || 'No backend'} can't run on this device: ${skipped.map((entry) => `${entry.device}: ${entry.reason}`).join('; ')}. ` +
        `Alternatives here: ${alternatives(capabilities, overrides, footprint)}.`,
    );
  }

  const [local, localReason] = localViability(capabilities, runtimes, footprint);
  return Object.freeze({ runtimes: Object.freeze(runtimes), skipped: Object.freeze(skipped), local, localReason });
}

type Choice = { runtime: PlannedRuntime } | { refused: string };

function planWebGpu(capabilities: Capabilities, overrides: BackendOverrides, footprint: ModelFootprint | undefined): Choice {
  const gpu = capabilities.webgpu;
  if (!gpu.available) return { refused: gpu.reason ?? 'no WebGPU adapter' };
  if (gpu.isFallbackAdapter && overrides.device !== 'webgpu') {
    return { refused: "the only adapter is a software fallback (slower than WASM); force device 'webgpu' to use it" };
  }
  let dtype: Dtype;
  let why: string;
  if (overrides.dtype !== undefined) {
    if (overrides.dtype === 'q8') return { refused: 'q8 on WebGPU runs its quantized matmuls on the CPU (slow, and known to disagree with WASM); use fp16 or fp32' };
    if (overrides.dtype === 'fp16' && !gpu.shaderF16) return { refused: "fp16 needs the adapter's shader-f16 feature, which it lacks" };
    dtype = overrides.dtype;
    why = `dtype '${dtype}' was forced`;
  } else if (gpu.shaderF16) {
    dtype = 'fp16';
    why = 'the adapter has shader-f16, so fp16 (half the memory of fp32)';
  } else {
    dtype = 'fp32';
    why = 'the adapter lacks shader-f16, so fp32';
  }
  const largest = footprint?.largestTensor[dtype];
  if (largest !== undefined) {
    const limit = Math.min(gpu.maxBufferSize, gpu.maxStorageBufferBindingSize);
    if (largest > limit) {
      return { refused: `the model's largest ${dtype} tensor (${mib(largest)}) exceeds the adapter's buffer limit (${mib(limit)})` };
    }
  }
  const adapter = gpu.isFallbackAdapter ? 'a software WebGPU adapter (forced)' : `a WebGPU adapter${gpu.vendor ? ` (${gpu.vendor})` : ''}`;
  return { runtime: { device: 'webgpu', dtype, reason: `${adapter}; ${why}` } };
}

function planWasm(capabilities: Capabilities, overrides: BackendOverrides, setting: PlanSetting): Choice {
  if (!capabilities.wasm) return { refused: 'WebAssembly is unavailable' };
  const dtype = overrides.dtype ?? 'q8';
  const dtypeWhy = overrides.dtype !== undefined ? `dtype '${dtype}' was forced` : 'q8 (4× smaller than fp32 and fastest on CPU)';
  let threads: number;
  let threadsWhy: string;
  const threaded = capabilities.crossOriginIsolated && capabilities.sharedArrayBuffer;
  if (threaded && capabilities.context === 'window' && !setting.ownWasmFiles) {
    threads = 1;
    threadsWhy =
      "1 thread: in the page's own thread onnxruntime-web would start its threads from the bundle chunk that holds it, " +
      "which in a production build also runs the app's code; give wasmPaths (its own .mjs and .wasm) for threads here, or run in a worker";
  } else if (overrides.threads !== undefined) {
    if (!Number.isInteger(overrides.threads) || overrides.threads < 1) return { refused: `threads must be a positive integer, got ${overrides.threads}` };
    threads = threaded ? overrides.threads : 1;
    threadsWhy = threaded ? `${threads} threads (forced)` : `1 thread: ${overrides.threads} were asked for, but threads need cross-origin isolation (COOP/COEP headers)`;
  } else if (threaded) {
    threads = Math.max(1, Math.min(capabilities.hardwareConcurrency, MAX_WASM_THREADS));
    threadsWhy = `${threads} threads (cross-origin isolated, ${capabilities.hardwareConcurrency} cores, at most ${MAX_WASM_THREADS})`;
  } else {
    threads = 1;
    threadsWhy = capabilities.crossOriginIsolated
      ? '1 thread: SharedArrayBuffer could not be posted'
      : '1 thread: the page is not cross-origin isolated (send COOP same-origin + COEP require-corp for threads)';
  }
  return { runtime: { device: 'wasm', dtype, threads, reason: `${dtypeWhy}; ${threadsWhy}` } };
}

/** What would work here, for the error an impossible forced choice throws. */
function alternatives(capabilities: Capabilities, overrides: BackendOverrides, footprint: ModelFootprint | undefined): string {
  const found: string[] = [];
  for (const device of ['webgpu', 'wasm'] as const) {
    for (const dtype of device === 'webgpu' ? WEBGPU_DTYPES : WASM_DTYPES) {
      const forced: BackendOverrides = { ...overrides, device, dtype };
      const choice = device === 'webgpu' ? planWebGpu(capabilities, forced, footprint) : planWasm(capabilities, forced, {});
      if ('runtime' in choice) found.push(`{ device: '${device}', dtype: '${dtype}' }`);
    }
  }
  return found.length > 0 ? found.join(', ') : 'none (use a remote reranker)';
}

/** Whether a local run is worth it: a hardware GPU, or WASM with threads, and enough memory. */
function localViability(capabilities: Capabilities, runtimes: readonly PlannedRuntime[], footprint: ModelFootprint | undefined): [boolean, string] {
  const first = runtimes[0] as PlannedRuntime;
  if (footprint === undefined) return [true, `${first.device}/${first.dtype} (model size unknown, so no memory check)`];
  const needed = Math.min(...runtimes.map((runtime) => footprint.bytes[runtime.dtype] ?? 0));
  if (capabilities.deviceMemory !== null && needed > 0 && capabilities.deviceMemory * 2 ** 30 < 2 * needed) {
    return [false, `the device reports ${capabilities.deviceMemory} GiB of memory; the model needs ${mib(needed)} plus working memory`];
  }
  const gpu = runtimes.some((runtime) => runtime.device === 'webgpu') && !capabilities.webgpu.isFallbackAdapter;
  const threads = Math.max(...runtimes.map((runtime) => (runtime.device === 'wasm' ? (runtime.threads ?? 1) : 0)));
  if (!gpu && threads <= 1) {
    return [false, 'no hardware WebGPU and single-threaded WASM: a model this size would take seconds per document'];
  }
  return [true, gpu ? 'a hardware WebGPU adapter' : `WASM with ${threads} threads`];
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}
