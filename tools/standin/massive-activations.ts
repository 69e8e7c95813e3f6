/**
 * "Massive activations": trained transformers, XLM-R among them, carry a few channels whose
 * activations are orders of magnitude above the rest (thousands, where most are near 1). In
 * float32 they are harmless; float16's largest finite value is 65504, so there they overflow to
 * Infinity and the output turns NaN. This reproduces that in the stand-in, so a test can reach the
 * fp16 overflow instead of only reasoning about it.
 *
 * In every encoder layer, `count` hidden units leave the attention block's LayerNorm at a fixed
 * {@link MASSIVE_HIDDEN_VALUE} (weight 0, bias 8), and each feeds one feed-forward channel through
 * a weight of {@link MASSIVE_WEIGHT}: that channel's pre-activation is ≈ 80000 — fine in fp32,
 * Infinity as the fp16 MatMul's output, whatever the runtime fuses around it (bias, GELU). Every
 * value stored in the file stays within fp16's range: the overflow happens in the arithmetic, as
 * in the real model. The output projection's rows for those channels are scaled down, so in fp32
 * they add only a few units to the residual stream and the model still ranks by its text.
 */
import type { ModelDimensions } from './model-config.js';
import type { DrawWeight } from './weight-ops.js';

/** The value a massive hidden unit leaves the attention LayerNorm with, for every token. */
export const MASSIVE_HIDDEN_VALUE = 8;
/** Its weight into its feed-forward channel (the fp16 converter's largest kept magnitude, 1e4). */
export const MASSIVE_WEIGHT = 1e4;
/** Brings a massive channel's contribution to the residual stream back to a few units. */
const OUTPUT_ROW_SCALE = 1e-4;

/** Which hidden units and feed-forward channels are massive: `count` pairs spread over the widths. */
export function massiveUnits(dimensions: ModelDimensions, count: number): { hidden: number; channel: number }[] {
  const most = Math.min(dimensions.hiddenSize, dimensions.intermediateSize);
  if (!Number.isInteger(count) || count < 0 || count > most) {
    throw new RangeError(`massive activations take 0..${most} channels, got ${count}`);
  }
  const spread = (width: number, i: number): number => Math.floor(((i + 0.5) * width) / count);
  return Array.from({ length: count }, (_, i) => ({ hidden: spread(dimensions.hiddenSize, i), channel: spread(dimensions.intermediateSize, i) }));
}

const LAYER = String.raw`^roberta\.encoder\.layer\.\d+\.`;
const ATTENTION_NORM_WEIGHT = new RegExp(`${LAYER}attention\\.output\\.LayerNorm\\.weight$`);
const ATTENTION_NORM_BIAS = new RegExp(`${LAYER}attention\\.output\\.LayerNorm\\.bias$`);
const INTERMEDIATE_WEIGHT = new RegExp(`${LAYER}intermediate\\.dense\\.weight$`);
const OUTPUT_WEIGHT = new RegExp(`${LAYER}output\\.dense\\.weight$`);

/** Wraps `draw` so that every layer carries `count` massive activations. */
export function withMassiveActivations(draw: DrawWeight, dimensions: ModelDimensions, count: number): DrawWeight {
  const units = massiveUnits(dimensions, count);
  if (units.length === 0) return draw;
  const { hiddenSize, intermediateSize } = dimensions;
  return (spec) => {
    const values = draw(spec);
    for (const { hidden, channel } of units) {
      if (ATTENTION_NORM_WEIGHT.test(spec.name)) values[hidden] = 0;
      else if (ATTENTION_NORM_BIAS.test(spec.name)) values[hidden] = MASSIVE_HIDDEN_VALUE;
      // Linear weights are stored [in, out].
      else if (INTERMEDIATE_WEIGHT.test(spec.name)) values[hidden * intermediateSize + channel] = MASSIVE_WEIGHT;
      else if (OUTPUT_WEIGHT.test(spec.name)) {
        for (let column = 0; column < hiddenSize; column++) values[channel * hiddenSize + column]! *= OUTPUT_ROW_SCALE;
      }
    }
    return values;
  };
}
