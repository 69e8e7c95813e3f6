/**
 * Generates a stand-in for bge-reranker-v2-m3 — random weights, real architecture, real file
 * layout — because the real weights cannot be downloaded where tests and benchmarks run.
 *
 * @example
 * const model = await generateStandinModel({ out: dir, preset: 'tiny' });
 * // model.dir holds config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx, onnx/model_quantized.onnx
 * // (and onnx/model_fp16.onnx with dtypes: ['fp32', 'fp16', 'q8'])
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { basename, join, resolve } from 'node:path';
import type { ModelDimensions, PresetName, StandinDtype, StandinRecord } from './model-config.js';
import { buildModelConfig, parameterCount, presets, usablePositions, validateDimensions } from './model-config.js';
import type { ExternalDataTarget } from './onnx-graph.js';
import { OnnxGraphBuilder, writeOnnxModel } from './onnx-graph.js';
import { buildTokenizerConfig, buildTokenizerJson } from './tokenizer-files.js';
import type { WeightOps } from './weight-ops.js';
import { dynamicQuantizedWeightOps, floatWeightOps } from './weight-ops.js';
import { massiveUnits, withMassiveActivations } from './massive-activations.js';
import { drawWeight } from './weights.js';
import { buildXlmrClassifierGraph } from './xlmr-graph.js';

export type { ModelDimensions, PresetName, StandinDtype } from './model-config.js';
export { presets } from './model-config.js';

/** Bump when the generated files change for the same options, so cached models are rebuilt. */
export const GENERATOR_VERSION = 2;

/** The seed used when none is given. */
export const DEFAULT_SEED = 42;

/** Options of {@link generateStandinModel}. */
export interface StandinOptions {
  /** Folder to write into (created if missing). */
  readonly out: string;
  /** Base dimensions and dtypes. Default `tiny`. */
  readonly preset?: PresetName;
  /** Overrides of single dimensions. */
  readonly dimensions?: Partial<ModelDimensions>;
  /** Default {@link DEFAULT_SEED}. */
  readonly seed?: number;
  /** Which ONNX files to write. Default: the preset's. */
  readonly dtypes?: readonly StandinDtype[];
  /**
   * Where fp32/q8 weights go: `auto` (default) writes them inline unless the file would pass
   * protobuf's 2 GB limit, then to `onnx/model*.onnx_data` (transformers.js loads that with
   * `use_external_data_format`); `always` forces external data, to test that path on a small model.
   */
  readonly externalData?: 'auto' | 'always';
  /**
   * Keep the folder as it is when it already holds a complete model generated from the same
   * options by the same generator version. Default false.
   */
  readonly reuseExisting?: boolean;
  /**
   * Feed-forward channels per layer with massive activations, as trained XLM-R models have:
   * harmless in fp32, Infinity (then NaN) in fp16. Default 0. See `massive-activations.ts`.
   */
  readonly massiveActivations?: number;
  /** Called with one line per step (sizes and timings). */
  readonly onProgress?: (message: string) => void;
}

/** What {@link generateStandinModel} wrote. */
export interface StandinModel {
  /** Absolute path of the model folder. */
  readonly dir: string;
  /** Paths of the written files, relative to `dir`. */
  readonly files: readonly string[];
  /** The parsed `config.json`. */
  readonly config: Record<string, unknown>;
  readonly dimensions: ModelDimensions;
  /** True when an existing model was reused instead of written. */
  readonly reused: boolean;
}

/** transformers.js' file name for each dtype. */
export const ONNX_FILE_BY_DTYPE: Record<StandinDtype, string> = {
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
  q8: 'onnx/model_quantized.onnx',
};

const BYTES_PER_PARAMETER: Record<StandinDtype, number> = { fp32: 4, fp16: 2, q8: 1 };

// protobuf refuses messages of 2 GiB or more; leave room for the graph itself.
const INLINE_WEIGHT_LIMIT_BYTES = 2 ** 31 - 64 * 2 ** 20;

/** Writes a deterministic stand-in model: the same options give byte-identical files. */
export async function generateStandinModel(options: StandinOptions): Promise<StandinModel> {
  const presetName = options.preset ?? 'tiny';
  const preset = presets[presetName];
  if (!preset) throw new RangeError(`unknown preset "${String(presetName)}"; known: ${Object.keys(presets).join(', ')}`);
  const dimensions: ModelDimensions = { ...preset.dimensions, ...definedOnly(options.dimensions ?? {}) };
  validateDimensions(dimensions);
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an unsigned 32-bit integer, got ${seed}`);
  const dtypes = [...new Set(options.dtypes ?? preset.dtypes)];
  if (dtypes.length === 0) throw new RangeError('at least one dtype is needed');
  const progress = options.onProgress ?? (() => {});
  const massiveActivations = options.massiveActivations ?? 0;
  massiveUnits(dimensions, massiveActivations);

  const dir = resolve(options.out);
  const plannedFiles = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
  const externalDtypes = dtypes.filter(
    (dtype) => options.externalData === 'always' || parameterCount(dimensions) * BYTES_PER_PARAMETER[dtype] > INLINE_WEIGHT_LIMIT_BYTES,
  );
  for (const dtype of dtypes) {
    plannedFiles.push(ONNX_FILE_BY_DTYPE[dtype]);
    if (externalDtypes.includes(dtype)) plannedFiles.push(`${ONNX_FILE_BY_DTYPE[dtype]}_data`);
  }

  const standin: StandinRecord = {
    seed,
    preset: isDeepStrictEqual(dimensions, preset.dimensions) ? presetName : 'custom',
    dtypes,
    externalData: externalDtypes,
    generatorVersion: GENERATOR_VERSION,
    ...(massiveActivations > 0 ? { massiveActivations } : {}),
    note: 'random weights for testing; scores mean nothing',
  };
  const config = buildModelConfig(dimensions, standin);

  if (options.reuseExisting && holdsSameModel(dir, config, plannedFiles)) {
    progress(`reusing ${dir}`);
    return { dir, files: plannedFiles, config, dimensions, reused: true };
  }

  mkdirSync(join(dir, 'onnx'), { recursive: true });
  // config.json is written last, so a folder whose generation was interrupted is never reused.
  rmSync(join(dir, 'config.json'), { force: true });

  let started = Date.now();
  writeJson(join(dir, 'tokenizer.json'), buildTokenizerJson(dimensions.vocabSize));
  writeJson(join(dir, 'tokenizer_config.json'), buildTokenizerConfig(dimensions.vocabSize, usablePositions(dimensions)));
  progress(`tokenizer: ${dimensions.vocabSize} pieces in ${seconds(started)}`);

  for (const dtype of dtypes) {
    started = Date.now();
    const file = join(dir, ONNX_FILE_BY_DTYPE[dtype]);
    const external = externalDtypes.includes(dtype);
    if (external && options.externalData !== 'always') {
      progress(`${dtype}: weights exceed protobuf's 2 GB limit, writing them to ${ONNX_FILE_BY_DTYPE[dtype]}_data (load with use_external_data_format)`);
    }
    const size = writeModelFile(file, dimensions, seed, dtype, external, massiveActivations);
    progress(`${dtype}: ${ONNX_FILE_BY_DTYPE[dtype]}${external ? ' + _data' : ''} ${formatBytes(size)} in ${seconds(started)}`);
  }

  writeJson(join(dir, 'config.json'), config);
  return { dir, files: plannedFiles, config, dimensions, reused: false };
}

function writeModelFile(file: string, dimensions: ModelDimensions, seed: number, dtype: StandinDtype, external: boolean, massiveActivations: number): number {
  const dataFile = `${file}_data`;
  rmSync(dataFile, { force: true });
  const fd = external ? openSync(dataFile, 'w') : undefined;
  try {
    const target: ExternalDataTarget | undefined = fd === undefined ? undefined : { fd, location: `${basename(file)}_data` };
    const graph = new OnnxGraphBuilder('webrerank_standin_xlm_roberta', target);
    const draw = withMassiveActivations((spec) => drawWeight(seed, spec), dimensions, massiveActivations);
    const floatType = dtype === 'fp16' ? 'float16' : 'float32';
    const ops: WeightOps = dtype === 'q8' ? dynamicQuantizedWeightOps(graph, draw) : floatWeightOps(graph, draw, floatType);
    buildXlmrClassifierGraph(graph, dimensions, ops, draw, floatType);
    const modelBytes = writeOnnxModel(file, graph, {
      producerName: 'webrerank-standin',
      producerVersion: String(GENERATOR_VERSION),
      docString: `Stand-in for BAAI/bge-reranker-v2-m3 (${dtype}): random weights (seed ${seed}) for testing.`,
    });
    return modelBytes + (external ? statSync(dataFile).size : 0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function holdsSameModel(dir: string, config: Record<string, unknown>, files: readonly string[]): boolean {
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) return false;
  try {
    const existing: unknown = JSON.parse(readFileSync(configPath, 'utf8'));
    return isDeepStrictEqual(existing, config) && files.every((file) => existsSync(join(dir, file)));
  } catch {
    return false;
  }
}

function definedOnly(overrides: Partial<ModelDimensions>): Partial<ModelDimensions> {
  return Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** "1.2 MB"-style sizes for progress lines. */
export function formatBytes(bytes: number): string {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}
