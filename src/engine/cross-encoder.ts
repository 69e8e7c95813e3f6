/**
 * Loading a cross-encoder through transformers.js and running it on packed batches.
 *
 * We load with AutoTokenizer + AutoModelForSequenceClassification and read the raw logit: the
 * `text-classification` pipeline softmaxes a single logit, which makes every score 1.0.
 */
import type { PackedBatch } from './batching.js';
import { RerankError } from '../core/errors.js';
import type { ModelEntry, ModelSource } from '../core/models.js';
import { readPairTemplate, type PairTemplate, type PairTokenizer } from './pairs.js';
import { formatBytes, type TransformersProgressEvent } from '../core/progress.js';
import type { Dtype, LocalBackend } from '../core/contract.js';
import { cacheUnigramWords, encodeWithTokenLimit } from './unigram-word-cache.js';
import { matchReferenceTokenization, unmatchedTokenizationWarning } from './reference-tokenization.js';
import { isOutOfMemory, outOfMemoryError } from './out-of-memory.js';
import { isStandinConfig } from '../core/standin.js';

/** Where and how to run a model: one entry of a backend plan. */
export interface RuntimeChoice {
  /** `cpu` is onnxruntime-node; `wasm` and `webgpu` are onnxruntime-web. */
  device: LocalBackend;
  dtype: Dtype;
  /** Intra-op threads (cpu) or WASM worker threads (wasm). Unset: the runtime's default. */
  threads?: number;
  /**
   * Only after a run failed or overflowed (NaN/Inf), never because the runtimes before it could not
   * load: an explicit backend or dtype runs as asked or is refused, not silently replaced.
   */
  afterRunFailureOnly?: boolean;
}

/** A loaded model, ready to score packed pairs. */
export interface CrossEncoder {
  readonly backend: LocalBackend;
  readonly dtype: Dtype;
  readonly template: PairTemplate;
  /** Longest pair (special tokens included) the model accepts. */
  readonly maxPositions: number;
  /** Whether the model takes `token_type_ids` (BERT-style) besides ids and mask. */
  readonly usesTokenTypes: boolean;
  /** Whether the model's config marks it as a generated stand-in with random weights. */
  readonly standin?: boolean;
  /**
   * Token ids of `text` without special tokens; with `maxTokens`, only the first ones — the same
   * ids as encoding everything and truncating, but for XLM-R-style tokenizers only as much text is
   * searched as they need (a 4 MB document costs what its first few thousand characters do).
   */
  encode(text: string, maxTokens?: number): number[];
  /** One logit per row of the batch. */
  logits(batch: PackedBatch): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/**
 * Where onnxruntime-web's files are: a base URL (or folder) holding its `.mjs` and `.wasm`, or the
 * URL of each. Its WASM threads start from that `.mjs`.
 */
export type WasmPaths = string | { mjs?: string; wasm?: string };

export interface LoadOptions {
  onProgress?: (event: TransformersProgressEvent) => void;
  /** onnxruntime-web's .wasm/.mjs files; unset keeps the bundler's copy. */
  wasmPaths?: WasmPaths;
  /**
   * Fires when the caller gives the load up (it stalled). transformers.js can't be stopped, but
   * the next load must not queue behind one that may never end.
   */
  signal?: AbortSignal;
  /**
   * Name ORT's execution providers outright instead of passing `runtime.device` to
   * transformers.js. Node's WASM backend needs it: transformers.js refuses device 'wasm' in Node,
   * and with onnxruntime-web swapped in it knows no device at all.
   */
  executionProviders?: string[];
  /**
   * Fetches the model's files itself and serves them to transformers.js (the browser does: model
   * store, one progress bar, weights as external data). Unset: transformers.js fetches them.
   */
  prepareFiles?: FilePreparer;
}

/** A model's files, ready for transformers.js to read (through its `customCache`). */
export interface PreparedModelFiles {
  /** Answers transformers.js' file reads; `put` is never needed. */
  cache: { match(request: string | Request): Promise<Response | undefined>; put(request: string | Request, response: Response): Promise<void> };
  /** Weights handed to onnxruntime as external data (session option `externalData`). */
  externalData?: { path: string; data: Uint8Array }[];
  /** Bytes of the ONNX model (weights included), for messages. */
  modelBytes: number;
  /** Drops every reference to the files: called once the session is built (or failed). */
  release(): void;
}

export type FilePreparer = (entry: ModelEntry, runtime: RuntimeChoice, onProgress: ((event: TransformersProgressEvent) => void) | undefined) => Promise<PreparedModelFiles>;

export type CrossEncoderLoader = (entry: ModelEntry, runtime: RuntimeChoice, options: LoadOptions) => Promise<CrossEncoder>;

/** transformers.js file suffix per dtype: model.onnx, model_fp16.onnx, model_quantized.onnx. */
const TRANSFORMERS_DTYPE: Record<Dtype, string> = { fp32: 'fp32', fp16: 'fp16', q8: 'q8' };

// transformers.js keeps its settings in one global `env`; loads are serialized so one load's
// source settings can't leak into another's.
let loadChain: Promise<unknown> = Promise.resolve();

/** Settles when `signal` fires; never without one. */
function givenUp(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
}

/** Loads `entry` on `runtime` with transformers.js. */
export const loadCrossEncoder: CrossEncoderLoader = (entry, runtime, options) => {
  const load = loadChain.then(() => loadWithTransformers(entry, runtime, options));
  loadChain = Promise.race([load, givenUp(options.signal)]).catch(() => undefined);
  return load;
};

interface SequenceClassifier {
  (inputs: Record<string, unknown>): Promise<{ logits: { data: ArrayLike<number>; dims: number[] } }>;
  config: { num_labels?: number; id2label?: Record<string, string>; max_position_embeddings?: number; pad_token_id?: number; model_type?: string };
  sessions?: Record<string, { inputNames?: readonly string[] }>;
  dispose(): Promise<unknown>;
}

async function loadWithTransformers(entry: ModelEntry, runtime: RuntimeChoice, options: LoadOptions): Promise<CrossEncoder> {
  const transformers = await import('@huggingface/transformers');
  const { env, AutoTokenizer, AutoModelForSequenceClassification, Tensor } = transformers;
  const { modelId, revision } = pointEnvAtSource(env, entry.source);

  const onnx = env.backends.onnx;
  // onnxruntime-web's WebGPU backend runs inside the same WASM module as its WASM backend, so
  // both read these settings (once, when the module starts).
  if (runtime.device !== 'cpu' && onnx.wasm) {
    if (runtime.threads !== undefined) onnx.wasm.numThreads = runtime.threads;
    if (options.wasmPaths !== undefined) onnx.wasm.wasmPaths = options.wasmPaths;
  }

  const sessionOptions: Record<string, unknown> = {};
  if (runtime.device === 'cpu' && runtime.threads !== undefined) {
    sessionOptions.intraOpNumThreads = runtime.threads;
    sessionOptions.interOpNumThreads = 1;
  }
  const pretrainedOptions: Record<string, unknown> = {
    dtype: TRANSFORMERS_DTYPE[runtime.dtype],
    progress_callback: options.onProgress,
    session_options: sessionOptions,
  };
  if (revision) pretrainedOptions.revision = revision;
  if (entry.externalData?.[runtime.dtype]) pretrainedOptions.use_external_data_format = true;
  if (options.executionProviders) {
    // 'auto' passes transformers.js' device check; the explicit execution providers decide what runs.
    pretrainedOptions.device = 'auto';
    sessionOptions.executionProviders = options.executionProviders;
  } else {
    pretrainedOptions.device = runtime.device;
  }

  const prepared = options.prepareFiles ? await options.prepareFiles(entry, runtime, options.onProgress) : undefined;
  let model: SequenceClassifier;
  let tokenizerLoaded: PromiseSettledResult<unknown>;
  try {
    if (prepared) {
      // The files are in memory: transformers.js reads them from there, and its own progress
      // events (reads of memory) would only add noise to the bar the download already filled.
      env.useBrowserCache = false;
      env.useCustomCache = true;
      env.customCache = prepared.cache;
      if (prepared.externalData) sessionOptions.externalData = prepared.externalData;
      options.onProgress?.({ status: 'building', backend: runtime.device, dtype: runtime.dtype });
    }
    const progress = prepared ? undefined : options.onProgress;
    pretrainedOptions.progress_callback = progress;
    // Tokenizer and model load side by side: faster, and the big model file's size is known early,
    // so the progress total doesn't jump (and the bar stall at 100 %) once the small files are done.
    let modelLoaded: PromiseSettledResult<unknown>;
    [tokenizerLoaded, modelLoaded] = await Promise.allSettled([
      AutoTokenizer.from_pretrained(modelId, { progress_callback: progress, ...(revision ? { revision } : {}) }),
      AutoModelForSequenceClassification.from_pretrained(modelId, pretrainedOptions),
    ]);
    if (modelLoaded.status === 'rejected') throw modelLoaded.reason;
    model = modelLoaded.value as SequenceClassifier;
  } catch (error) {
    if (!isOutOfMemory(error)) throw error;
    const size = prepared ? `, ${formatBytes(prepared.modelBytes)}` : '';
    throw outOfMemoryError(`Loading "${entry.id}" (${runtime.dtype}${size}) on ${runtime.device}`, error, 'This device has too little memory for this model here; close other tabs, or rerank on a server.');
  } finally {
    delete sessionOptions.externalData;
    if (prepared) {
      env.customCache = null;
      env.useCustomCache = false;
      prepared.release();
    }
  }
  if (tokenizerLoaded.status === 'rejected') {
    await model.dispose();
    throw tokenizerLoaded.reason;
  }
  const tokenizer = tokenizerLoaded.value as unknown as PairTokenizer & { model_max_length?: number };

  const numLabels = model.config.num_labels ?? Object.keys(model.config.id2label ?? { 0: '' }).length;
  if (numLabels !== 1) {
    await model.dispose();
    throw new RerankError('model_load_failed', `Model "${entry.id}" has ${numLabels} labels; a reranker needs exactly one relevance logit.`);
  }

  // Text reaches the model as Hugging Face tokenizers (FlagReranker, TEI) would give it; a file
  // whose pipeline has steps not reproduced here keeps transformers.js' own, and says so once.
  if (!matchReferenceTokenization(tokenizer)) console.warn(unmatchedTokenizationWarning(entry.id));
  const template = readPairTemplate(tokenizer);
  // XLM-R's Unigram tokenizer: word by word with a cache, the same tokens much sooner.
  cacheUnigramWords(tokenizer);
  const usesTokenTypes = (Object.values(model.sessions ?? {})[0]?.inputNames ?? []).includes('token_type_ids');

  return {
    backend: runtime.device,
    dtype: runtime.dtype,
    template,
    maxPositions: positionLimit(model.config, tokenizer.model_max_length),
    usesTokenTypes,
    standin: isStandinConfig(model.config),
    encode: (text, maxTokens) => (maxTokens === undefined ? tokenizer.encode(text, { add_special_tokens: false }) : encodeWithTokenLimit(tokenizer, text, maxTokens)),
    async logits(batch) {
      const dims = [batch.rows, batch.width];
      const feeds: Record<string, unknown> = { input_ids: new Tensor('int64', batch.inputIds, dims), attention_mask: new Tensor('int64', batch.attentionMask, dims) };
      if (usesTokenTypes) feeds.token_type_ids = new Tensor('int64', batch.tokenTypeIds ?? new BigInt64Array(batch.rows * batch.width), dims);
      let logits: Awaited<ReturnType<SequenceClassifier>>['logits'];
      try {
        ({ logits } = await model(feeds));
      } catch (error) {
        if (!isOutOfMemory(error)) throw error;
        throw outOfMemoryError(`Scoring ${batch.rows} pair${batch.rows === 1 ? '' : 's'} of ${batch.width} tokens with "${entry.id}" (${runtime.dtype}) on ${runtime.device}`, error, 'The model stays loaded: send fewer or shorter documents, or lower tokenBudget.');
      }
      return logits.data instanceof Float32Array ? logits.data : Float32Array.from(logits.data);
    },
    async dispose() {
      await model.dispose();
    },
  };
}

/**
 * Longest pair the model takes: XLM-R/RoBERTa reserve `pad_token_id + 1` position slots
 * (8194 positions → 8192 tokens); the tokenizer's model_max_length, when sane, also bounds it.
 */
function positionLimit(config: SequenceClassifier['config'], tokenizerMax: number | undefined): number {
  const positions = config.max_position_embeddings ?? 512;
  const offset = config.model_type === 'xlm-roberta' || config.model_type === 'roberta' ? (config.pad_token_id ?? 1) + 1 : 0;
  const fromConfig = positions - offset;
  return tokenizerMax !== undefined && tokenizerMax > 0 && tokenizerMax < fromConfig ? tokenizerMax : fromConfig;
}

interface TransformersEnv {
  allowLocalModels: boolean;
  allowRemoteModels: boolean;
  localModelPath: string;
  remoteHost: string;
  remotePathTemplate: string;
}

// The hub location transformers.js started with (or the app set), restored for hub sources after a
// self-hosted URL source has borrowed the remote-host settings.
let hubLocation: { remoteHost: string; remotePathTemplate: string } | undefined;

/**
 * Points transformers.js' global env at a source and returns the id to load. Local folders go
 * through `localModelPath` with the hub switched off, so a missing file fails instead of silently
 * going to huggingface.co; self-hosted URLs take the hub's place as the remote host.
 */
function pointEnvAtSource(env: TransformersEnv, source: ModelSource): { modelId: string; revision?: string } {
  hubLocation ??= { remoteHost: env.remoteHost, remotePathTemplate: env.remotePathTemplate };
  if ('hub' in source) {
    env.remoteHost = hubLocation.remoteHost;
    env.remotePathTemplate = hubLocation.remotePathTemplate;
    env.allowRemoteModels = true;
    env.allowLocalModels = false;
    return source.revision ? { modelId: source.hub, revision: source.revision } : { modelId: source.hub };
  }
  const location = 'url' in source ? source.url : source.path;
  const trimmed = location.replace(/\/+$/, '');
  const cut = trimmed.lastIndexOf('/');
  const name = trimmed.slice(cut + 1);
  if (!/^\w(?:[\w\-.]{0,94}\w)?$/.test(name) || name.includes('..') || name.includes('--')) {
    throw new RerankError('model_load_failed', `Model location "${location}" must end in a folder name of letters, digits, '-', '_' or '.' (starting and ending with a letter or digit).`);
  }
  const parent = cut >= 0 ? `${trimmed.slice(0, cut)}/` : '../';
  if ('url' in source) {
    // transformers.js (4.3) never fetches tokenizer files from a `localModelPath` that is a URL —
    // its file probe skips URLs when remote models are off — so a base URL is served as the remote
    // host instead, with the hub's path template replaced by the bare folder.
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
    env.remoteHost = parent;
    env.remotePathTemplate = '{model}/';
    return { modelId: name };
  }
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.localModelPath = parent;
  return { modelId: name };
}
