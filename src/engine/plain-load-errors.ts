/**
 * A model whose files transformers.js or onnxruntime refuse is named in plain words — which model,
 * from where, and what is wrong with its files — with their own text kept in `cause`. Node and the
 * browser both load through this, so the same fault reads the same in both.
 */
import { RerankError, messageOf } from '../core/errors.js';
import type { ModelEntry } from '../core/models.js';
import type { CrossEncoderLoader, RuntimeChoice } from './cross-encoder.js';
import { isOutOfMemory } from './out-of-memory.js';

/** What is wrong with a model's files, from a loader's error; undefined when it is not the files' fault. */
export function modelFileFault(error: unknown): string | undefined {
  const text = messageOf(error);
  if (/protobuf|invalid model|Load model .* failed/i.test(text)) return 'its ONNX file is damaged or not an ONNX model';
  if (/JSON/i.test(text)) return 'one of its JSON files is not valid JSON';
  if (/not found|could not locate|ENOENT/i.test(text)) return 'a file it needs is missing';
  return undefined;
}

/** The error for `entry` failing to load on `runtime`, for `reason`, with the loader's own error as `cause`. */
export function plainLoadError(entry: ModelEntry, runtime: RuntimeChoice, reason: string, cause: unknown): RerankError {
  const where = 'path' in entry.source ? entry.source.path : 'url' in entry.source ? entry.source.url : `the hub (${entry.source.hub})`;
  return new RerankError('model_load_failed', `Model "${entry.id}" (${runtime.dtype}) from ${where} could not be loaded: ${reason}.`, { cause });
}

/**
 * `loader` with the files' faults in plain words. Other failures (the device, memory) pass as they
 * are: the engine reads them to choose a fallback or an `out_of_memory` code.
 */
export function withPlainFileFaults(loader: CrossEncoderLoader): CrossEncoderLoader {
  return async (entry, runtime, options) => {
    try {
      return await loader(entry, runtime, options);
    } catch (error) {
      const fault = error instanceof RerankError || isOutOfMemory(error) ? undefined : modelFileFault(error);
      throw fault === undefined ? error : plainLoadError(entry, runtime, fault, error);
    }
  };
}
