/**
 * Weight quantization as onnxruntime's `quantize_dynamic` does it for the real q8 export:
 * int8, symmetric, one scale per tensor, zero point 0.
 */

/** An int8 tensor and the scale that maps it back: `w ≈ value * scale`. */
export interface SymmetricInt8Tensor {
  readonly values: Int8Array;
  /** Rounded to float32, since that is what the graph stores and the runtime multiplies by. */
  readonly scale: number;
}

const INT8_LIMIT = 127;

/**
 * Quantizes to [-127, 127] with scale = max|w| / 127 (ORT's symmetric range leaves -128 out so
 * that the grid is symmetric around 0).
 */
export function quantizeSymmetricInt8(weights: Float32Array): SymmetricInt8Tensor {
  let maxAbs = 0;
  for (let i = 0; i < weights.length; i++) {
    const magnitude = Math.abs(weights[i]!);
    if (magnitude > maxAbs) maxAbs = magnitude;
  }
  // An all-zero tensor still needs a usable, non-zero scale.
  const scale = Math.fround(maxAbs > 0 ? maxAbs / INT8_LIMIT : 1);
  const values = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const level = Math.round(weights[i]! / scale);
    values[i] = level > INT8_LIMIT ? INT8_LIMIT : level < -INT8_LIMIT ? -INT8_LIMIT : level;
  }
  return { values, scale };
}
