/**
 * What the `webrerank` commands share: the flags that choose and run a local model (`rank` and
 * `serve` take the same ones), checked against what this build supports (choices.ts).
 */
import type { NodeRerankerOptions } from '../node/create-node-reranker.js';
import { CLI_BACKENDS, DEFAULT_CLI_BACKEND, backendNames, dtypeNames } from './choices.js';
import { UsageError, alternatives, integerFlag, oneOf } from './usage.js';

/** parseArgs definitions of the model flags; spread them into a command's own. */
export const MODEL_FLAGS = {
  'model-path': { type: 'string' },
  model: { type: 'string' },
  backend: { type: 'string' },
  dtype: { type: 'string' },
  threads: { type: 'string' },
  'max-length': { type: 'string' },
  'score-cache-mb': { type: 'string' },
} as const;

/** The parsed values of {@link MODEL_FLAGS}. */
export interface ModelFlagValues {
  'model-path'?: string;
  model?: string;
  backend?: string;
  dtype?: string;
  threads?: string;
  'max-length'?: string;
  'score-cache-mb'?: string;
}

/** `--help` lines for {@link MODEL_FLAGS}, aligned as both commands print them. */
export function modelFlagsHelp(defaultModelId: string, pad = 21): string {
  const backends = backendNames();
  const dtypes = Object.entries(CLI_BACKENDS).map(([backend, choice]) => `${backend}: ${choice.dtypes.join('|')}, default ${choice.defaultDtype}`);
  return [
    ['--model-path DIR', 'model folder in transformers.js layout (default: download from the hub)'],
    ['--model ID', `the id that folder is served as (default ${defaultModelId})`],
    [`--backend ${backends.join('|')}`, backends.map((backend) => `${backend}: ${CLI_BACKENDS[backend].summary}`).join('; ')],
    [`--dtype ${dtypeNames().join('|')}`, `model precision (${dtypes.join('; ')})`],
    ['--threads N', 'inference threads'],
    ['--max-length N', 'longest query+document pair in tokens (default 512)'],
    ['--score-cache-mb N', 'MiB of scores kept for repeated (query, document) pairs (default 4; 0: off)'],
  ]
    // A flag longer than the column puts its text on the next line, aligned with the others.
    .map(([flag, text]) => `  ${(flag as string).length < pad ? (flag as string).padEnd(pad) : `${flag}\n  ${' '.repeat(pad)}`}${text}`)
    .join('\n');
}

/** Options for `createReranker` from the model flags; a bad value is a usage error. */
export function modelOptionsFromFlags(values: ModelFlagValues): Omit<NodeRerankerOptions, 'preload'> {
  const backend = oneOf('--backend', values.backend ?? DEFAULT_CLI_BACKEND, backendNames());
  const dtypes = CLI_BACKENDS[backend].dtypes;
  // Without --dtype the reranker picks the backend's default (which may depend on the device).
  const dtype = values.dtype === undefined ? undefined : oneOf('--dtype', values.dtype, dtypeNames());
  if (dtype !== undefined && !dtypes.includes(dtype)) throw new UsageError(`--dtype ${dtype} does not run on --backend ${backend}, which takes ${alternatives(dtypes)}`);
  return {
    backend,
    ...(dtype !== undefined ? { dtype } : {}),
    ...(values['model-path'] !== undefined ? { modelPath: values['model-path'] } : {}),
    ...(values.model !== undefined ? { model: values.model } : {}),
    ...(values.threads !== undefined ? { threads: integerFlag('--threads', values.threads) } : {}),
    ...(values['max-length'] !== undefined ? { maxLength: integerFlag('--max-length', values['max-length'], 16) } : {}),
    ...(values['score-cache-mb'] !== undefined ? { scoreCacheBytes: integerFlag('--score-cache-mb', values['score-cache-mb'], 0) * 1024 * 1024 } : {}),
  };
}
