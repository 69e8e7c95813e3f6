/**
 * How the graph's weight-bearing operations (linear layers and embedding lookups) are written
 * for each dtype. The architecture in `xlmr-graph.ts` is the same for fp32 and q8; only these
 * operations differ, exactly as onnxruntime's `quantize_dynamic` rewrites an fp32 export.
 */
import type { OnnxGraphBuilder } from './onnx-graph.js';
import { onnxDataType, type FloatType } from './onnx-graph.js';
import { quantizeSymmetricInt8 } from './quantize.js';
import type { WeightSpec } from './weights.js';

/** Draws a weight tensor; the same spec always gives the same values. */
export type DrawWeight = (spec: WeightSpec) => Float32Array;

/** An activation ready to be multiplied by weights; q8 quantizes it once for all its consumers. */
export interface LinearInput {
  readonly value: string;
  readonly quantized?: { readonly values: string; readonly scale: string; readonly zeroPoint: string };
}

/** A linear layer `y = x · W + b`, W stored as [in, out] like ONNX exports of PyTorch models. */
export interface LinearSpec {
  /** Prefix for node names, e.g. `roberta.encoder.layer.0.attention.self.query`. */
  readonly name: string;
  readonly weight: WeightSpec;
  readonly bias?: WeightSpec;
}

/** An embedding table looked up by `Gather`. */
export interface EmbeddingSpec {
  readonly name: string;
  readonly table: WeightSpec;
}

/** The dtype-specific half of the graph. */
export interface WeightOps {
  /** Marks `value` as the input of one or more linear layers. */
  prepareInput(value: string, name: string): LinearInput;
  /** Applies a linear layer and returns the result in the graph's float type. */
  linear(input: LinearInput, spec: LinearSpec): string;
  /** Looks `indices` up in a table and returns the rows in the graph's float type. */
  embeddingLookup(indices: string, spec: EmbeddingSpec): string;
}

function addBias(graph: OnnxGraphBuilder, draw: DrawWeight, product: string, spec: LinearSpec, floatType: FloatType = 'float32'): string {
  if (!spec.bias) return product;
  const bias = graph.floatInitializer(spec.bias.name, floatType, spec.bias.shape, draw(spec.bias));
  return graph.op('Add', [product, bias], { name: `${spec.name}/Add` });
}

/**
 * fp32 (or fp16): MatMul and Gather on float initializers. fp16 is what the real `_fp16` export
 * holds: every float weight and activation in half precision.
 */
export function floatWeightOps(graph: OnnxGraphBuilder, draw: DrawWeight, floatType: FloatType = 'float32'): WeightOps {
  return {
    prepareInput: (value) => ({ value }),
    linear(input, spec) {
      const weight = graph.floatInitializer(spec.weight.name, floatType, spec.weight.shape, draw(spec.weight));
      const product = graph.op('MatMul', [input.value, weight], { name: `${spec.name}/MatMul` });
      return addBias(graph, draw, product, spec, floatType);
    },
    embeddingLookup(indices, spec) {
      const table = graph.floatInitializer(spec.table.name, floatType, spec.table.shape, draw(spec.table));
      return graph.op('Gather', [table, indices], { name: `${spec.name}/Gather`, attributes: { axis: { int: 0 } } });
    },
  };
}

/**
 * q8, the pattern of `quantize_dynamic(weight_type=QInt8)`: weights are int8 initializers with
 * one symmetric scale each; activations are quantized at run time by DynamicQuantizeLinear
 * (uint8, one scale and zero point per tensor — over the whole batch, padding included), then
 * MatMulInteger → Cast → Mul(a_scale · w_scale) → Add bias. Embedding tables are int8 too, with
 * DequantizeLinear after the Gather, which is most of why the real q8 file is 4× smaller.
 */
export function dynamicQuantizedWeightOps(graph: OnnxGraphBuilder, draw: DrawWeight): WeightOps {
  const int8Zero = (): string => graph.constant('int8', [0]);

  const quantizedInitializer = (spec: WeightSpec): { values: string; scale: string } => {
    const { values, scale } = quantizeSymmetricInt8(draw(spec));
    return {
      values: graph.initializer(`${spec.name}_quantized`, 'int8', spec.shape, values),
      scale: graph.initializer(`${spec.name}_scale`, 'float32', [], Float32Array.of(scale)),
    };
  };

  return {
    prepareInput(value, name) {
      const [values, scale, zeroPoint] = graph.node('DynamicQuantizeLinear', [value], {
        name: `${name}/DynamicQuantizeLinear`,
        outputCount: 3,
      });
      return { value, quantized: { values: values!, scale: scale!, zeroPoint: zeroPoint! } };
    },
    linear(input, spec) {
      const activation = input.quantized;
      if (!activation) throw new Error(`q8 linear ${spec.name} needs an input from prepareInput()`);
      const weight = quantizedInitializer(spec.weight);
      const integerProduct = graph.op('MatMulInteger', [activation.values, weight.values, activation.zeroPoint, int8Zero()], {
        name: `${spec.name}/MatMulInteger`,
      });
      const floatProduct = graph.op('Cast', [integerProduct], {
        name: `${spec.name}/Cast`,
        attributes: { to: { int: onnxDataType('float32') } },
      });
      const combinedScale = graph.op('Mul', [activation.scale, weight.scale], { name: `${spec.name}/ScaleMul` });
      const product = graph.op('Mul', [floatProduct, combinedScale], { name: `${spec.name}/Mul` });
      return addBias(graph, draw, product, spec);
    },
    embeddingLookup(indices, spec) {
      const table = quantizedInitializer(spec.table);
      const rows = graph.op('Gather', [table.values, indices], { name: `${spec.name}/Gather`, attributes: { axis: { int: 0 } } });
      return graph.op('DequantizeLinear', [rows, table.scale, int8Zero()], { name: `${spec.name}/DequantizeLinear` });
    },
  };
}
