/**
 * The XLM-RoBERTa sequence-classification architecture as an ONNX graph: embeddings with
 * XLM-R's padding-aware position ids, post-LayerNorm encoder layers, and the `<s>` classifier
 * head. Inputs `input_ids` and `attention_mask` (int64 [batch, seq]), output `logits` [batch, 1],
 * as in bge-reranker-v2-m3's ONNX export.
 */
import type { ModelDimensions } from './model-config.js';
import type { FloatType, OnnxGraphBuilder } from './onnx-graph.js';
import { onnxDataType } from './onnx-graph.js';
import { SPECIAL_TOKENS } from './vocabulary.js';
import type { DrawWeight, LinearSpec, WeightOps } from './weight-ops.js';
import { floatWeightOps } from './weight-ops.js';
import type { WeightSpec } from './weights.js';
import { EMBEDDING_STD, linearWeightInit } from './weights.js';

const LAYER_NORM_EPSILON = 1e-5;
const BATCH = 'batch_size';
const SEQUENCE = 'sequence_length';
// HF's XLM-R masks with the most negative float32, so masked keys get exactly zero weight. The
// fp16 converter transformers.js uses (onnxconverter-common's, max_finite_val 1e4) clips that
// constant to -1e4, which still gives masked keys exactly zero weight after Softmax.
const MASK_VALUE: Record<FloatType, number> = { float32: -3.4028234663852886e38, float16: -1e4 };

function normal(name: string, shape: readonly number[], std: number): WeightSpec {
  return { name, shape, init: { kind: 'normal', std } };
}

function constantFill(name: string, shape: readonly number[], value: number): WeightSpec {
  return { name, shape, init: { kind: 'constant', value } };
}

function linearSpec(name: string, inFeatures: number, outFeatures: number): LinearSpec {
  return {
    name,
    weight: { name: `${name}.weight`, shape: [inFeatures, outFeatures], init: linearWeightInit(inFeatures) },
    bias: normal(`${name}.bias`, [outFeatures], EMBEDDING_STD),
  };
}

/**
 * Builds the whole model into `graph`; `ops` decides how weights are stored (fp32, fp16 or q8),
 * `floatType` what the activations are. With float16 the graph is what transformers.js' fp16
 * conversion (`keep_io_types=True`) makes of the fp32 export: int64 inputs as they were, every
 * float weight and activation in half precision, and a Cast back to a float32 `logits` output.
 */
export function buildXlmrClassifierGraph(
  graph: OnnxGraphBuilder,
  dimensions: ModelDimensions,
  ops: WeightOps,
  draw: DrawWeight,
  floatType: FloatType = 'float32',
): void {
  const inputIds = graph.input('input_ids', 'int64', [BATCH, SEQUENCE]);
  const attentionMask = graph.input('attention_mask', 'int64', [BATCH, SEQUENCE]);

  const layerNorm = (input: string, name: string): string => {
    const size = [dimensions.hiddenSize];
    const scale = graph.floatInitializer(`${name}.weight`, floatType, size, draw(constantFill(`${name}.weight`, size, 1)));
    const bias = graph.floatInitializer(`${name}.bias`, floatType, size, draw(constantFill(`${name}.bias`, size, 0)));
    return graph.op('LayerNormalization', [input, scale, bias], {
      name: `${name}/LayerNormalization`,
      attributes: { axis: { int: -1 }, epsilon: { float: LAYER_NORM_EPSILON } },
    });
  };

  let hidden = layerNorm(embeddings(graph, dimensions, ops, draw, inputIds, floatType), 'roberta.embeddings.LayerNorm');
  const maskBias = additiveMaskBias(graph, attentionMask, floatType);
  for (let layer = 0; layer < dimensions.numHiddenLayers; layer++) {
    hidden = encoderLayer(graph, dimensions, ops, hidden, maskBias, `roberta.encoder.layer.${layer}`, layerNorm, floatType);
  }
  classifierHead(graph, dimensions, ops, draw, hidden, floatType);
}

/** word + position + token-type(0) embeddings, before their LayerNorm. */
function embeddings(
  graph: OnnxGraphBuilder,
  dimensions: ModelDimensions,
  ops: WeightOps,
  draw: DrawWeight,
  inputIds: string,
  floatType: FloatType,
): string {
  const prefix = 'roberta.embeddings';
  const { hiddenSize } = dimensions;
  const words = ops.embeddingLookup(inputIds, {
    name: `${prefix}.word_embeddings`,
    table: normal(`${prefix}.word_embeddings.weight`, [dimensions.vocabSize, hiddenSize], EMBEDDING_STD),
  });

  // XLM-R position ids: cumsum(id != pad) * (id != pad) + pad. Real tokens count from pad + 1,
  // padding stays at pad, so a padded row sees the same positions as the row alone.
  const padId = graph.constant('int64', [SPECIAL_TOKENS.pad.id]);
  const isPad = graph.op('Equal', [inputIds, padId], { name: `${prefix}/position_ids/Equal` });
  const isToken = graph.op('Not', [isPad], { name: `${prefix}/position_ids/Not` });
  const tokenFlags = graph.op('Cast', [isToken], {
    name: `${prefix}/position_ids/Cast`,
    attributes: { to: { int: onnxDataType('int64') } },
  });
  const runningCount = graph.op('CumSum', [tokenFlags, graph.constant('int64', [1])], { name: `${prefix}/position_ids/CumSum` });
  const maskedCount = graph.op('Mul', [runningCount, tokenFlags], { name: `${prefix}/position_ids/Mul` });
  const positionIds = graph.op('Add', [maskedCount, padId], { name: `${prefix}/position_ids/Add` });
  const positions = ops.embeddingLookup(positionIds, {
    name: `${prefix}.position_embeddings`,
    table: normal(`${prefix}.position_embeddings.weight`, [dimensions.maxPositionEmbeddings, hiddenSize], EMBEDDING_STD),
  });

  // type_vocab_size is 1 and the model takes no token_type_ids: row 0 is added to every token.
  const tokenTypeSpec = normal(`${prefix}.token_type_embeddings.weight`, [1, hiddenSize], EMBEDDING_STD);
  const tokenType = graph.floatInitializer(tokenTypeSpec.name, floatType, tokenTypeSpec.shape, draw(tokenTypeSpec));

  const wordsAndPositions = graph.op('Add', [words, positions], { name: `${prefix}/Add` });
  return graph.op('Add', [wordsAndPositions, tokenType], { name: `${prefix}/Add_token_type` });
}

/** attention_mask [B, S] → additive bias [B, 1, 1, S]: 0 for tokens, the mask value for padding. */
function additiveMaskBias(graph: OnnxGraphBuilder, attentionMask: string, floatType: FloatType): string {
  const prefix = 'roberta/extended_attention_mask';
  let maskFloat = graph.op('Cast', [attentionMask], { name: `${prefix}/Cast`, attributes: { to: { int: onnxDataType('float32') } } });
  if (floatType === 'float16') {
    // The fp16 converter keeps Cast nodes in float32 and casts their result down after them:
    // this int64 → float32 → float16 pair is what the real fp16 file holds at this point.
    maskFloat = graph.op('Cast', [maskFloat], { name: `${prefix}/Cast_fp16`, attributes: { to: { int: onnxDataType('float16') } } });
  }
  const inverted = graph.op('Sub', [graph.constant(floatType, [1]), maskFloat], { name: `${prefix}/Sub` });
  const bias = graph.op('Mul', [inverted, graph.constant(floatType, [MASK_VALUE[floatType]])], { name: `${prefix}/Mul` });
  return graph.op('Unsqueeze', [bias, graph.constant('int64', [1, 2], [2])], { name: `${prefix}/Unsqueeze` });
}

function encoderLayer(
  graph: OnnxGraphBuilder,
  dimensions: ModelDimensions,
  ops: WeightOps,
  input: string,
  maskBias: string,
  prefix: string,
  layerNorm: (input: string, name: string) => string,
  floatType: FloatType,
): string {
  const { hiddenSize, numAttentionHeads, intermediateSize } = dimensions;
  const headSize = hiddenSize / numAttentionHeads;
  const splitHeadsShape = graph.constant('int64', [0, 0, numAttentionHeads, headSize], [4]);
  const mergeHeadsShape = graph.constant('int64', [0, 0, hiddenSize], [3]);
  const self = `${prefix}.attention.self`;

  // [B, S, H] → [B, heads, S, headSize], or [B, heads, headSize, S] for keys (ready for Q·Kᵀ).
  const toHeads = (value: string, name: string, perm: readonly number[]): string => {
    const split = graph.op('Reshape', [value, splitHeadsShape], { name: `${name}/Reshape` });
    return graph.op('Transpose', [split], { name: `${name}/Transpose`, attributes: { perm: { ints: perm } } });
  };

  // One activation quantization serves Q, K and V, as in quantize_dynamic's output.
  const attentionInput = ops.prepareInput(input, self);
  const query = toHeads(ops.linear(attentionInput, linearSpec(`${self}.query`, hiddenSize, hiddenSize)), `${self}.query`, [0, 2, 1, 3]);
  const key = toHeads(ops.linear(attentionInput, linearSpec(`${self}.key`, hiddenSize, hiddenSize)), `${self}.key`, [0, 2, 3, 1]);
  const value = toHeads(ops.linear(attentionInput, linearSpec(`${self}.value`, hiddenSize, hiddenSize)), `${self}.value`, [0, 2, 1, 3]);

  const scores = graph.op('MatMul', [query, key], { name: `${self}/scores/MatMul` });
  const scaled = graph.op('Div', [scores, graph.constant(floatType, [Math.sqrt(headSize)])], { name: `${self}/scores/Div` });
  const masked = graph.op('Add', [scaled, maskBias], { name: `${self}/scores/Add_mask` });
  const probabilities = graph.op('Softmax', [masked], { name: `${self}/Softmax`, attributes: { axis: { int: -1 } } });
  const context = graph.op('MatMul', [probabilities, value], { name: `${self}/context/MatMul` });
  const contextTokens = graph.op('Transpose', [context], { name: `${self}/context/Transpose`, attributes: { perm: { ints: [0, 2, 1, 3] } } });
  const merged = graph.op('Reshape', [contextTokens, mergeHeadsShape], { name: `${self}/context/Reshape` });

  const attentionOutput = `${prefix}.attention.output`;
  const projected = ops.linear(ops.prepareInput(merged, `${attentionOutput}.dense`), linearSpec(`${attentionOutput}.dense`, hiddenSize, hiddenSize));
  const attentionResidual = graph.op('Add', [projected, input], { name: `${attentionOutput}/Add_residual` });
  const attended = layerNorm(attentionResidual, `${attentionOutput}.LayerNorm`);

  const intermediate = `${prefix}.intermediate.dense`;
  const expanded = ops.linear(ops.prepareInput(attended, intermediate), linearSpec(intermediate, hiddenSize, intermediateSize));
  const activated = exactGelu(graph, expanded, `${prefix}.intermediate`, floatType);

  const output = `${prefix}.output`;
  const contracted = ops.linear(ops.prepareInput(activated, `${output}.dense`), linearSpec(`${output}.dense`, intermediateSize, hiddenSize));
  const outputResidual = graph.op('Add', [contracted, attended], { name: `${output}/Add_residual` });
  return layerNorm(outputResidual, `${output}.LayerNorm`);
}

/**
 * GELU as HF's "gelu": x · ½ · (1 + erf(x / √2)), not the tanh approximation, in the order
 * PyTorch's ONNX export writes it: x · (1 + erf) first, then · ½ — so an fp16 activation past
 * 32752 overflows here, as it does in the real fp16 file.
 */
function exactGelu(graph: OnnxGraphBuilder, input: string, name: string, floatType: FloatType): string {
  const scaled = graph.op('Div', [input, graph.constant(floatType, [Math.SQRT2])], { name: `${name}/gelu/Div` });
  const erf = graph.op('Erf', [scaled], { name: `${name}/gelu/Erf` });
  const shifted = graph.op('Add', [erf, graph.constant(floatType, [1])], { name: `${name}/gelu/Add` });
  const gated = graph.op('Mul', [input, shifted], { name: `${name}/gelu/Mul` });
  return graph.op('Mul', [gated, graph.constant(floatType, [0.5])], { name: `${name}/gelu/Mul_half` });
}

/** RobertaClassificationHead: `<s>` → dense → tanh → out_proj → logits [B, 1]. */
function classifierHead(
  graph: OnnxGraphBuilder,
  dimensions: ModelDimensions,
  ops: WeightOps,
  draw: DrawWeight,
  hidden: string,
  floatType: FloatType,
): void {
  const { hiddenSize } = dimensions;
  const firstToken = graph.op('Gather', [hidden, graph.constant('int64', [0])], {
    name: 'classifier/Gather_bos',
    attributes: { axis: { int: 1 } },
  });
  const dense = ops.linear(ops.prepareInput(firstToken, 'classifier.dense'), linearSpec('classifier.dense', hiddenSize, hiddenSize));
  const activated = graph.op('Tanh', [dense], { name: 'classifier.dense/Tanh' });
  // out_proj stays float even in q8: the real q8 export has 6 MatMulInteger per layer plus one,
  // so only one of the head's two projections is quantized there.
  const logits = floatWeightOps(graph, draw, floatType).linear({ value: activated }, linearSpec('classifier.out_proj', hiddenSize, 1));
  // The output stays float32 in the fp16 file too (keep_io_types): a Cast where fp32 has an Identity.
  if (floatType === 'float16') {
    graph.node('Cast', [logits], { name: 'logits/Cast', outputNames: ['logits'], attributes: { to: { int: onnxDataType('float32') } } });
  } else {
    graph.node('Identity', [logits], { name: 'logits/Identity', outputNames: ['logits'] });
  }
  graph.output('logits', 'float32', [BATCH, 1]);
}
