/**
 * The stand-in's weights: which distribution each kind of tensor is drawn from, and the
 * deterministic draw itself.
 */
import { fillNormal } from './prng.js';

/** How a tensor is initialised. */
export type WeightInit =
  | { readonly kind: 'normal'; readonly std: number }
  | { readonly kind: 'constant'; readonly value: number };

/** A tensor to draw: its name (which also seeds its stream), shape and distribution. */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: WeightInit;
}

/** HF's `initializer_range`, used for embeddings and biases. */
export const EMBEDDING_STD = 0.02;

/**
 * Linear weights are drawn with std 1/sqrt(fan_in) rather than HF's 0.02: with 0.02 at small
 * widths every layer is a near-identity on the residual stream, attention is uniform, and all
 * (query, document) pairs score about the same. Unit-gain layers keep attention peaked and make
 * scores depend on the text, which is what tests of ranking need.
 */
export function linearWeightInit(fanIn: number): WeightInit {
  return { kind: 'normal', std: 1 / Math.sqrt(fanIn) };
}

/** Draws the tensor described by `spec` from the generator seeded with `seed`. */
export function drawWeight(seed: number, spec: WeightSpec): Float32Array {
  const size = spec.shape.reduce((product, dim) => product * dim, 1);
  const values = new Float32Array(size);
  if (spec.init.kind === 'constant') {
    values.fill(spec.init.value);
  } else {
    fillNormal(values, spec.init.std, seed, spec.name);
  }
  return values;
}
