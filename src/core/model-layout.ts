/**
 * The transformers.js layout of a reranker's files, which a local folder, a hub repo and a
 * self-hosted URL all share: three JSON files and one ONNX file per dtype (with its external
 * weights beside it when the file would pass protobuf's 2 GB limit).
 */
import type { Dtype } from './contract.js';

/** transformers.js' file name per dtype. */
export const ONNX_FILE: Readonly<Record<Dtype, string>> = Object.freeze({ fp32: 'onnx/model.onnx', fp16: 'onnx/model_fp16.onnx', q8: 'onnx/model_quantized.onnx' });

/** The files every dtype needs besides its ONNX file. */
export const CONFIG_FILES: readonly string[] = Object.freeze(['config.json', 'tokenizer_config.json', 'tokenizer.json']);

/** The files a cross-encoder needs in `dtype`, in the order they are best fetched. */
export function modelFileNames(dtype: Dtype, externalData = false): string[] {
  const onnx = ONNX_FILE[dtype];
  return [...CONFIG_FILES, onnx, ...(externalData ? [`${onnx}_data`] : [])];
}

/** The dtype an ONNX file holds, from its path in the layout (undefined for any other file). */
export function dtypeOfFile(path: string): Dtype | undefined {
  return (Object.entries(ONNX_FILE) as [Dtype, string][]).find(([, file]) => file === path)?.[0];
}

/**
 * The plain words for a model source's mistakes, shared by Node (a folder) and the browser (a
 * path or URL), so both name the same mistake the same way. `where` is the folder or base URL as
 * the user gave it.
 */
export const modelSourceWords = {
  /** The `onnx/` folder given instead of the model's own. */
  onnxFolder: (where: string, parent: string) => `${where} is the model's onnx/ folder: give its parent, ${parent}.`,
  /** A file (an `.onnx`) given where a model folder is expected. */
  fileNotFolder: (where: string, folder: string | undefined) =>
    `${where} is a file, not a model folder: ${folder !== undefined ? `give the model's folder, ${folder}` : 'give the folder that holds config.json, tokenizer.json and onnx/'}.`,
  /** Required files every model needs, missing. */
  missingFiles: (where: string, missing: readonly string[]) => `${where} lacks ${missing.join(', ')}, which every model folder needs.`,
  /** An ONNX file's external weights (`model*.onnx_data`), missing. */
  missingWeights: (where: string, data: string) => `${where} lacks ${data}, the weights of ${data.replace(/_data$/, '')}.`,
  /** No ONNX file for the asked dtype(s); `has` are the dtypes there, `choose` says how to ask for one. */
  missingDtype: (where: string, wanted: readonly Dtype[], has: readonly Dtype[] | undefined, choose: (dtype: Dtype) => string) => {
    const files = wanted.map((dtype) => ONNX_FILE[dtype]).join(' or ');
    const what = has === undefined ? '' : has.length === 0 ? '; this folder has no ONNX file at all' : `; this folder has ${has.join(', ')} only: ${choose(has[0] as Dtype)}`;
    return `No ${files} in ${where}${what}.`;
  },
} as const;
