/**
 * What this build runs from the command line: each `--backend` and the `--dtype`s it takes. The
 * one table the flags are checked against and `--help` prints — a new backend or precision is one
 * line here.
 */
import type { Dtype } from '../core/contract.js';
import type { NodeRerankerOptions } from '../node/create-node-reranker.js';

type Backend = NonNullable<NodeRerankerOptions['backend']>;

export interface BackendChoice {
  /** The precisions this backend runs. */
  dtypes: readonly Dtype[];
  /** What runs without `--dtype`, for `--help` (the reranker chooses it, e.g. by the device). */
  defaultDtype: string;
  /** What it is, for `--help`. */
  summary: string;
}

export const CLI_BACKENDS: Readonly<Record<Backend, BackendChoice>> = Object.freeze({
  cpu: { dtypes: ['q8', 'fp32'], defaultDtype: 'q8', summary: 'onnxruntime-node, native (default)' },
  wasm: { dtypes: ['q8', 'fp32'], defaultDtype: 'q8', summary: "onnxruntime-web's WASM backend, as browsers run it" },
  webgpu: { dtypes: ['fp16', 'fp32'], defaultDtype: 'fp16 with shader-f16, else fp32', summary: 'the GPU through onnxruntime-node\'s WebGPU provider (never q8)' },
});

export const DEFAULT_CLI_BACKEND: Backend = 'cpu';

/** Every backend name, in table order. */
export function backendNames(): Backend[] {
  return Object.keys(CLI_BACKENDS) as Backend[];
}

/** Every dtype some backend takes, in table order. */
export function dtypeNames(): Dtype[] {
  return [...new Set(Object.values(CLI_BACKENDS).flatMap((choice) => choice.dtypes))];
}
