/**
 * The benchmark's models: stand-ins generated with tools/standin at bge-reranker-v2-m3's exact
 * width (hidden 1024, 16 heads, intermediate 4096, vocab 250002), cached in bench/.models/.
 *
 * Speed depends on architecture and dimensions only, not on the weights' values, so a stand-in
 * times like the real model. Fewer-layer variants keep the full width: every layer costs the same,
 * so a 2-layer model's ratios (webrerank vs the recipe vs the raw runtime) are the 24-layer
 * model's, in a twelfth of the time.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { generateStandinModel, type StandinDtype } from '../tools/standin/index.js';
import { ONNX_FILE_BY_DTYPE } from './core.js';

export const MODELS_DIR = resolve('bench/.models');

export interface BenchModel {
  /** Folder name under bench/.models/, and the id the benchmark serves it as. */
  name: string;
  description: string;
  layers: number;
  dtypes: readonly StandinDtype[];
  preset: 'tiny' | 'full';
  /** Vocabulary size, when not the preset's (250002 at full width). */
  vocab?: number;
}

export const BENCH_MODELS = {
  tiny: { name: 'tiny', description: 'test-sized XLM-R (hidden 32, 2 layers)', layers: 2, dtypes: ['fp32', 'q8'], preset: 'tiny' },
  /**
   * For `--quick`: one layer at full width with a 32k vocabulary, so its fp32 file is 180 MB
   * instead of 1.1 GB — loading a gigabyte into a page takes tens of seconds on this machine.
   * Per-token compute is the same (the embedding is a lookup); tokenization is cheaper than with
   * the real 250k vocabulary, so its webrerank-vs-raw gap reads smaller than the full run's.
   */
  l1v32k: { name: 'l1v32k', description: 'bge-reranker-v2-m3 width, 1 layer of 24, 32k vocabulary', layers: 1, dtypes: ['fp32', 'q8'], preset: 'full', vocab: 32000 },
  l1: { name: 'l1', description: 'bge-reranker-v2-m3 width, 1 layer of 24', layers: 1, dtypes: ['fp32', 'q8'], preset: 'full' },
  l2: { name: 'l2', description: 'bge-reranker-v2-m3 width, 2 layers of 24', layers: 2, dtypes: ['fp32', 'q8'], preset: 'full' },
  full: { name: 'full', description: 'bge-reranker-v2-m3 dimensions (24 layers), q8', layers: 24, dtypes: ['q8'], preset: 'full' },
} as const satisfies Record<string, BenchModel>;

export type BenchModelName = keyof typeof BENCH_MODELS;

/**
 * The model's folder, generated on first use and reused after (the generator checks its config).
 * `dtypes` writes other files than the model's own (the WebGPU section wants fp16 and fp32), into
 * a folder of its own.
 */
export async function ensureModel(name: BenchModelName, log: (line: string) => void = () => undefined, dtypes?: readonly StandinDtype[]): Promise<string> {
  const model: BenchModel = BENCH_MODELS[name];
  const out = join(MODELS_DIR, dtypes ? `${model.name}-${dtypes.join('-')}` : model.name);
  const started = Date.now();
  const result = await generateStandinModel({
    out,
    preset: model.preset,
    dimensions: { numHiddenLayers: model.layers, ...(model.vocab !== undefined ? { vocabSize: model.vocab } : {}) },
    dtypes: dtypes ?? model.dtypes,
    reuseExisting: true,
    onProgress: (line) => log(`  [${name}] ${line}`),
  });
  if (!result.reused) log(`  [${name}] generated in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return out;
}

/** Bytes of the ONNX file for `dtype` (plus external data, if any). */
export function modelFileBytes(dir: string, dtype: StandinDtype): number {
  const file = join(dir, ONNX_FILE_BY_DTYPE[dtype]);
  return statSync(file).size + (existsSync(`${file}_data`) ? statSync(`${file}_data`).size : 0);
}

/**
 * transformers.js set to load `modelDir` from disk, and the name to load it by. Imported on call,
 * not at the top: a process that runs onnxruntime-web must install it before transformers.js loads.
 */
export async function localTransformers(modelDir: string) {
  const transformers = await import('@huggingface/transformers');
  transformers.env.allowLocalModels = true;
  transformers.env.allowRemoteModels = false;
  transformers.env.localModelPath = `${dirname(modelDir)}/`;
  return { transformers, name: basename(modelDir) };
}
