/**
 * The dimensions of a stand-in model, its presets, and the `config.json` it is described by.
 */
import { SPECIAL_TOKENS } from './vocabulary.js';

/** The architecture's sizes; the names follow `config.json`'s in camelCase. */
export interface ModelDimensions {
  readonly hiddenSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly intermediateSize: number;
  readonly vocabSize: number;
  /** Includes the two positions XLM-R reserves below `pad_token_id + 1`. */
  readonly maxPositionEmbeddings: number;
}

/** The ONNX files a model can be written as, named like transformers.js' dtypes. */
export type StandinDtype = 'fp32' | 'fp16' | 'q8';

/** A named set of dimensions plus the dtypes written by default. */
export interface Preset {
  readonly dimensions: ModelDimensions;
  readonly dtypes: readonly StandinDtype[];
  readonly description: string;
}

/** Presets by name. */
export const presets = {
  /** For tests: about a megabyte, loads and runs in milliseconds. */
  tiny: {
    description: 'test-sized XLM-R (hidden 32, 2 layers); 1024 usable positions',
    dimensions: {
      hiddenSize: 32,
      numHiddenLayers: 2,
      numAttentionHeads: 2,
      intermediateSize: 128,
      vocabSize: 6000,
      maxPositionEmbeddings: 1026,
    },
    dtypes: ['fp32', 'q8'],
  },
  /**
   * bge-reranker-v2-m3's exact dimensions, for benchmarks. q8 only by default: the fp32 file
   * would be 2.27 GB, past protobuf's 2 GB, and goes to external data when asked for.
   */
  full: {
    description: 'bge-reranker-v2-m3 dimensions (XLM-R large, 8192 usable positions)',
    dimensions: {
      hiddenSize: 1024,
      numHiddenLayers: 24,
      numAttentionHeads: 16,
      intermediateSize: 4096,
      vocabSize: 250002,
      maxPositionEmbeddings: 8194,
    },
    dtypes: ['q8'],
  },
} as const satisfies Record<string, Preset>;

/** The name of a preset. */
export type PresetName = keyof typeof presets;

/** Positions usable by tokens: XLM-R's position ids start at `pad_token_id + 1`. */
export function usablePositions(dimensions: ModelDimensions): number {
  return dimensions.maxPositionEmbeddings - (SPECIAL_TOKENS.pad.id + 1);
}

/** Throws a RangeError naming the first dimension that cannot make a working model. */
export function validateDimensions(dimensions: ModelDimensions): void {
  for (const [name, value] of Object.entries(dimensions)) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
    }
  }
  if (dimensions.hiddenSize % dimensions.numAttentionHeads !== 0) {
    throw new RangeError(
      `hiddenSize (${dimensions.hiddenSize}) must be divisible by numAttentionHeads (${dimensions.numAttentionHeads})`,
    );
  }
  if (dimensions.maxPositionEmbeddings < SPECIAL_TOKENS.pad.id + 4) {
    throw new RangeError(`maxPositionEmbeddings must leave room for <s> x </s>, got ${dimensions.maxPositionEmbeddings}`);
  }
}

/** How many float parameters the ONNX graph holds: decides whether fp32 fits in one protobuf. */
export function parameterCount(dimensions: ModelDimensions): number {
  const { hiddenSize: h, intermediateSize: i, numHiddenLayers: layers } = dimensions;
  const embeddings = (dimensions.vocabSize + dimensions.maxPositionEmbeddings + 1) * h + 2 * h;
  const perLayer = 4 * (h * h + h) + 2 * h + (h * i + i) + (i * h + h) + 2 * h;
  const classifier = h * h + h + h + 1;
  return embeddings + layers * perLayer + classifier;
}

/** What `config.json` says about where the stand-in came from. */
export interface StandinRecord {
  readonly seed: number;
  readonly preset: PresetName | 'custom';
  readonly dtypes: readonly StandinDtype[];
  /** The dtypes whose weights are in `onnx/model*.onnx_data`. */
  readonly externalData: readonly StandinDtype[];
  readonly generatorVersion: number;
  /** Feed-forward channels per layer with massive activations (fp16 overflows); absent when 0. */
  readonly massiveActivations?: number;
  readonly note: string;
}

/** The parsed `config.json`, in the shape transformers.js reads for XLM-R. */
export function buildModelConfig(dimensions: ModelDimensions, standin: StandinRecord): Record<string, unknown> {
  return {
    architectures: ['XLMRobertaForSequenceClassification'],
    model_type: 'xlm-roberta',
    attention_probs_dropout_prob: 0.1,
    bos_token_id: SPECIAL_TOKENS.bos.id,
    classifier_dropout: null,
    eos_token_id: SPECIAL_TOKENS.eos.id,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    hidden_size: dimensions.hiddenSize,
    id2label: { '0': 'LABEL_0' },
    initializer_range: 0.02,
    intermediate_size: dimensions.intermediateSize,
    label2id: { LABEL_0: 0 },
    layer_norm_eps: 1e-5,
    max_position_embeddings: dimensions.maxPositionEmbeddings,
    num_attention_heads: dimensions.numAttentionHeads,
    num_hidden_layers: dimensions.numHiddenLayers,
    num_labels: 1,
    output_past: true,
    pad_token_id: SPECIAL_TOKENS.pad.id,
    position_embedding_type: 'absolute',
    torch_dtype: 'float32',
    type_vocab_size: 1,
    use_cache: true,
    vocab_size: dimensions.vocabSize,
    webrerank_standin: standin,
  };
}
