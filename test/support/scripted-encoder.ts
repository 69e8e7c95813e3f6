/** A cross-encoder whose tokens are char codes and whose logits a test chooses, for engine tests without a model. */
import type { CrossEncoder, RuntimeChoice } from '../../src/engine/cross-encoder.js';
import type { PackedBatch } from '../../src/engine/batching.js';

export function scriptedEncoder(runtime: RuntimeChoice, logits: (batch: PackedBatch) => Float32Array): CrossEncoder {
  return {
    backend: runtime.device,
    dtype: runtime.dtype,
    template: { prefix: [0], middle: [2, 2], suffix: [2], padId: 1 },
    maxPositions: 512,
    usesTokenTypes: false,
    encode: (text) => Array.from(text, (char) => char.charCodeAt(0)),
    logits: async (batch) => logits(batch),
    async dispose() {},
  };
}
