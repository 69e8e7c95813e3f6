/**
 * IEEE 754 half precision for the fp16 stand-in: Node 20 has no Float16Array, and ONNX stores
 * float16 tensors as their raw 16-bit patterns (which onnxruntime also takes as a Uint16Array).
 */

const scratch = new DataView(new ArrayBuffer(4));

/** The float16 bit pattern nearest to `value` (round half to even; overflow gives ±Infinity). */
export function float16Bits(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0); // Inf, NaN
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00; // too large: Inf
  if (halfExponent <= 0) {
    // Subnormal (or zero): shift the implicit leading 1 in, then round.
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    return sign | roundShift(full, shift);
  }
  // A carry out of the mantissa rounds up into the exponent, which is the right result (up to Inf).
  return sign | ((halfExponent << 10) + roundShift(mantissa, 13));
}

function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/** The float32 array as float16 bit patterns. */
export function toFloat16(values: Float32Array): Uint16Array {
  const half = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) half[i] = float16Bits(values[i]!);
  return half;
}

/** The number a float16 bit pattern stands for. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : Number.NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The largest finite float16, 65504: past it an fp16 activation becomes Infinity. */
export const FLOAT16_MAX = 65504;
