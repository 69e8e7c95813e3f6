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
