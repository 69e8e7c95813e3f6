/**
 * Whether onnxruntime-node's WebGPU execution provider can run here, and in half precision.
 *
 * Node has no `navigator.gpu`, and onnxruntime-node does not expose the adapter it picks, so the
 * probe asks the runtime itself: it runs a tiny fp16 graph (Cast → MatMul → Softmax → Cast) once
 * on the WebGPU provider with the CPU fallback switched off, so no node can quietly run on the
 * CPU. No adapter fails the session ("Failed to get a WebGPU adapter"); an adapter without
 * `shader-f16` fails the run ("… requires f16 but the device does not support it"); a wrong
 * answer counts as no fp16 either. The answer is kept for the life of the process.
 */

/** What the Node WebGPU probe found. */
export interface NodeWebGpuCapabilities {
  /** onnxruntime-node obtained a WebGPU adapter (Vulkan, Metal or D3D12 underneath). */
  readonly available: boolean;
  /** The adapter ran the fp16 probe correctly: it has `shader-f16`. */
  readonly shaderF16: boolean;
  /** Why WebGPU, or its fp16, is unavailable. */
  readonly reason?: string;
  /** How long the probe took (the first shader compilation dominates it). */
  readonly milliseconds: number;
}

// Built by tools/standin/probe-model.ts (a test checks these bytes against it): x [2, 4] float32
// → Cast fp16 → MatMul with a fp16 [4, 4] weight → Softmax → Cast float32 → y. Every value is
// exact in fp16, so the only error is fp16 arithmetic.
const PROBE_MODEL_BASE64 =
  'CAgSCXdlYnJlcmFuaxoBMTIXV2ViR1BVIHNoYWRlci1mMTYgcHJvYmVCBAoAEBE6ygIKLQoBeBIOdG9fZnAxNi9vdXRwdXQaB3RvX2ZwMTYiBENhc3QqCQoCdG8YCqABAgoyCg50b19mcDE2L291dHB1dAoBdxINbWF0bXVsL291dHB1dBoGbWF0bXVsIgZNYXRNdWwKRwoNbWF0bXVsL291dHB1dBIOc29mdG1heC9vdXRwdXQaB3NvZnRtYXgiB1NvZnRtYXgqFAoEYXhpcxj///////////8BoAECCi0KDnNvZnRtYXgvb3V0cHV0EgF5Ggd0b19mcDMyIgRDYXN0KgkKAnRvGAGgAQISFndlYnJlcmFua193ZWJncHVfcHJvYmVaEwoBeBIOCgwIARIICgIIAgoCCARiEwoBeRIOCgwIARIICgIIAgoCCAQqKwoCBAQQCkIBd0ogADgAvAA0AD4APAA4ALoANAC4AEAAPAC8ADQAtAA4ADo=';
/** The probe's input and weights (row-major [4, 4]), as in the embedded model. */
export const PROBE_INPUT: readonly number[] = [1, 0.5, -0.25, 2, -1, 0.75, 0.125, -0.5];
export const PROBE_WEIGHTS: readonly number[] = [0.5, -1, 0.25, 1.5, 1, 0.5, -0.75, 0.25, -0.5, 2, 1, -1, 0.25, -0.25, 0.5, 0.75];
// fp16 carries ~3 significant digits; a softmax of these values in fp16 is within 1e-3 of exact.
const PROBE_TOLERANCE = 2e-3;

/** The embedded probe model's bytes. */
export function probeModelBytes(): Uint8Array {
  return Uint8Array.from(atob(PROBE_MODEL_BASE64), (char) => char.charCodeAt(0));
}

/** softmax(x · W) row by row, in float64: what the probe must answer. */
export function expectedProbeOutput(): number[] {
  const out: number[] = [];
  for (let row = 0; row < 2; row++) {
    const logits = [0, 1, 2, 3].map((column) => [0, 1, 2, 3].reduce((sum, k) => sum + PROBE_INPUT[row * 4 + k]! * PROBE_WEIGHTS[k * 4 + column]!, 0));
    const top = Math.max(...logits);
    const exps = logits.map((value) => Math.exp(value - top));
    const total = exps.reduce((sum, value) => sum + value, 0);
    out.push(...exps.map((value) => value / total));
  }
  return out;
}

let probed: Promise<NodeWebGpuCapabilities> | undefined;

/**
 * Probes onnxruntime-node's WebGPU provider once per process (later calls share the answer).
 *
 * @example
 * const gpu = await probeNodeWebGpu();
 * if (!gpu.available) console.log('No WebGPU:', gpu.reason);
 */
export function probeNodeWebGpu(): Promise<NodeWebGpuCapabilities> {
  probed ??= runProbe();
  return probed;
}

async function runProbe(): Promise<NodeWebGpuCapabilities> {
  const started = performance.now();
  const answer = (available: boolean, shaderF16: boolean, reason?: string): NodeWebGpuCapabilities => ({
    available,
    shaderF16,
    ...(reason !== undefined ? { reason } : {}),
    milliseconds: Math.round(performance.now() - started),
  });
  const ort = await import('onnxruntime-node');
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(probeModelBytes(), {
      executionProviders: ['webgpu'],
      // Refuse to build rather than run part of the probe on the CPU, which would prove nothing.
      extra: { session: { disable_cpu_ep_fallback: '1' } },
    });
  } catch (error) {
    return answer(false, false, `onnxruntime-node found no usable WebGPU adapter: ${firstLine(error)}`);
  }
  try {
    const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.from(PROBE_INPUT), [2, 4]) });
    const got = Array.from((y as { data: Float32Array }).data);
    const expected = expectedProbeOutput();
    const worst = Math.max(...expected.map((value, i) => Math.abs(value - (got[i] ?? Number.NaN))));
    if (!(worst <= PROBE_TOLERANCE)) return answer(true, false, `the adapter's fp16 results are off by ${worst} (more than ${PROBE_TOLERANCE})`);
    return answer(true, true);
  } catch (error) {
    return answer(true, false, `the adapter cannot run fp16 shaders (no shader-f16): ${firstLine(error)}`);
  } finally {
    await session.release();
  }
}

function firstLine(error: unknown): string {
  const line = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
  // ORT's native errors start with a source location and a failed check; the reason follows it.
  return (/ was false\. (.+)$/.exec(line)?.[1] ?? line).slice(0, 300);
}
