/**
 * What the `webrerank` commands share: the flags that choose and run a local model (`rank` and
 * `serve` take the same ones), and the way a bad flag is reported.
 */
import { RerankError } from '../core/errors.js';
import type { NodeRerankerOptions } from '../node/create-node-reranker.js';

/** parseArgs definitions of the model flags; spread them into a command's own. */
export const MODEL_FLAGS = {
  'model-path': { type: 'string' },
  model: { type: 'string' },
  backend: { type: 'string' },
  dtype: { type: 'string' },
  threads: { type: 'string' },
  'max-length': { type: 'string' },
} as const;

/** The parsed values of {@link MODEL_FLAGS}. */
export interface ModelFlagValues {
  'model-path'?: string;
  model?: string;
  backend?: string;
  dtype?: string;
  threads?: string;
  'max-length'?: string;
}

/** `--help` lines for {@link MODEL_FLAGS}, aligned as both commands print them. */
export function modelFlagsHelp(defaultModelId: string, pad = 21): string {
  return [
    ['--model-path DIR', 'model folder in transformers.js layout (default: download from the hub)'],
    ['--model ID', `the id that folder is served as (default ${defaultModelId})`],
    ['--backend cpu|wasm|webgpu', "onnxruntime-node (default), onnxruntime-web's WASM, or the GPU via WebGPU"],
    ['--dtype q8|fp32|fp16', 'model precision (default q8; on webgpu fp16 with shader-f16, else fp32)'],
    ['--threads N', 'inference threads'],
    ['--max-length N', 'longest query+document pair in tokens (default 512)'],
  ]
    // A flag longer than the column puts its text on the next line, aligned with the others.
    .map(([flag, text]) => `  ${(flag as string).length < pad ? (flag as string).padEnd(pad) : `${flag}\n  ${' '.repeat(pad)}`}${text}`)
    .join('\n');
}

/** Options for `createReranker` from the model flags; a bad value is a 400 `invalid_request`. */
export function modelOptionsFromFlags(values: ModelFlagValues): Omit<NodeRerankerOptions, 'preload'> {
  const backend = values.backend ?? 'cpu';
  if (backend !== 'cpu' && backend !== 'wasm' && backend !== 'webgpu') throw usageError(`--backend must be cpu, wasm or webgpu, got "${backend}".`);
  const dtype = values.dtype;
  if (dtype !== undefined && dtype !== 'q8' && dtype !== 'fp32' && dtype !== 'fp16') throw usageError(`--dtype must be q8, fp32 or fp16, got "${dtype}".`);
  return {
    backend,
    ...(dtype !== undefined ? { dtype } : {}),
    ...(values['model-path'] !== undefined ? { modelPath: values['model-path'] } : {}),
    ...(values.model !== undefined ? { model: values.model } : {}),
    ...(values.threads !== undefined ? { threads: integerFlag('--threads', values.threads) } : {}),
    ...(values['max-length'] !== undefined ? { maxLength: integerFlag('--max-length', values['max-length']) } : {}),
  };
}

/** A flag's value as an integer of at least `minimum` (default 1), or a usage error naming the flag. */
export function integerFlag(flag: string, value: string, minimum = 1): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < minimum) {
    throw usageError(minimum === 1 ? `${flag} must be a positive integer, got "${value}".` : `${flag} must be an integer of at least ${minimum}, got "${value}".`);
  }
  return number;
}

/** A bad flag, reported like a bad request body: 400 `invalid_request`. */
export function usageError(message: string): RerankError {
  return new RerankError('invalid_request', message);
}
