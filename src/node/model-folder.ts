/**
 * Checks a local model folder before anything loads it, so a mistake is named in the user's words
 * ("no onnx/model_quantized.onnx in …; this folder has fp32 only: --dtype fp32") rather than in
 * transformers.js' ("local_files_only=true … file was not found locally").
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RerankError } from '../core/errors.js';
import { CONFIG_FILES, ONNX_FILE, modelFileNames, modelSourceWords } from '../core/model-layout.js';
import type { Dtype } from '../core/contract.js';
import { DEFAULT_MODEL_ID } from '../core/models.js';
import { standinModelId } from '../core/standin.js';

/** What a folder holds of the transformers.js layout. */
export interface FolderContents {
  /** The dtypes whose ONNX file is there. */
  dtypes: Dtype[];
  /** Required JSON files that are missing. */
  missingConfig: string[];
}

/** Which dtypes and config files `folder` holds; it must exist and be a folder. */
export async function folderContents(folder: string): Promise<FolderContents> {
  const present = async (file: string): Promise<boolean> => (await stat(join(folder, file)).catch(() => undefined))?.isFile() ?? false;
  const dtypes: Dtype[] = [];
  for (const [dtype, file] of Object.entries(ONNX_FILE) as [Dtype, string][]) if (await present(file)) dtypes.push(dtype);
  const missingConfig: string[] = [];
  for (const file of CONFIG_FILES) if (!(await present(file))) missingConfig.push(file);
  return { dtypes, missingConfig };
}

/**
 * Throws a 503 `model_unavailable` naming what is wrong with `folder` for a model in one of
 * `dtypes` (any of them will do): not there, a file, the `onnx/` folder instead of its parent, not
 * a model folder, or without the ONNX file of the asked dtype (then it says which dtypes it has).
 */
export async function checkModelFolder(folder: string, dtypes: readonly Dtype[], externalData: Partial<Record<Dtype, boolean>> = {}): Promise<void> {
  const info = await stat(folder).catch(() => undefined);
  if (!info) throw unavailable(`No model folder at ${folder}: it does not exist.`);
  if (!info.isDirectory()) {
    const parent = dirname(folder);
    throw unavailable(modelSourceWords.fileNotFolder(folder, basename(parent) === 'onnx' ? dirname(parent) : undefined));
  }
  if (basename(folder) === 'onnx' && (await stat(join(folder, '..', 'config.json')).catch(() => undefined))) {
    throw unavailable(modelSourceWords.onnxFolder(folder, dirname(folder)));
  }
  const contents = await folderContents(folder);
  if (contents.missingConfig.length === CONFIG_FILES.length && contents.dtypes.length === 0) {
    throw unavailable(`${folder} is not a model folder: it has none of ${[...CONFIG_FILES, 'onnx/model*.onnx'].join(', ')} (transformers.js layout).`);
  }
  if (contents.missingConfig.length > 0) {
    throw unavailable(modelSourceWords.missingFiles(folder, contents.missingConfig));
  }
  const usable = dtypes.find((dtype) => contents.dtypes.includes(dtype));
  if (usable === undefined) throw unavailable(modelSourceWords.missingDtype(folder, dtypes, contents.dtypes, (dtype) => `--dtype ${dtype}`));
  if (externalData[usable]) {
    const data = `${ONNX_FILE[usable]}_data`;
    if (!(await stat(join(folder, data)).catch(() => undefined))) throw unavailable(modelSourceWords.missingWeights(folder, data));
  }
}

function unavailable(message: string): RerankError {
  return new RerankError('model_unavailable', message);
}

/**
 * Every file a model in `dtype` reads from `folder`, with its size: announced to the progress
 * tracker before the first read, so the total is known from the first event and never grows.
 */
export async function modelFileSizes(folder: string, dtype: Dtype, externalData = false): Promise<{ file: string; total: number }[]> {
  return Promise.all(modelFileNames(dtype, externalData).map(async (file) => ({ file, total: (await stat(join(folder, file)).catch(() => undefined))?.size ?? 0 })));
}

/**
 * The id `folder` is served as: the one asked for, else a stand-in's own
 * (`webrerank/standin-tiny`) when its config.json marks one, else the default model's. A folder
 * whose config can't be read gets the default: checkModelFolder names that mistake.
 */
export async function servedModelId(folder: string, asked?: string): Promise<string> {
  if (asked !== undefined) return asked;
  const config = await readFile(join(folder, 'config.json'), 'utf8').then((text) => JSON.parse(text) as unknown).catch(() => undefined);
  return standinModelId(config) ?? DEFAULT_MODEL_ID;
}

/** `options` naming the model its folder is served as (a stand-in's own id), when none was given. */
export async function withServedModel<Options extends { modelPath?: string; model?: string }>(options: Options): Promise<Options> {
  if (options.modelPath === undefined || options.model !== undefined) return options;
  return { ...options, model: await servedModelId(resolve(options.modelPath)) };
}
