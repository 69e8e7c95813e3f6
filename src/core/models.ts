/**
 * The model registry: which model ids a reranker serves and where each one's files come from.
 *
 * A source is a Hugging Face repo in transformers.js layout (config.json, tokenizer.json,
 * tokenizer_config.json, onnx/model*.onnx), a self-hosted base URL holding the same files, or a
 * local folder (Node) / a path under the app (browser).
 */
import { RerankError } from './errors.js';

export type ModelSource =
  /** A repo on the Hugging Face hub, e.g. `onnx-community/bge-reranker-v2-m3-ONNX`. */
  | { hub: string; revision?: string }
  /** An http(s) base URL whose folder holds the repo's files (self-hosting, a CDN). */
  | { url: string }
  /** A folder: absolute or relative path in Node, a path under the app's origin in a browser. */
  | { path: string };

export interface ModelEntry {
  /** The id requests name in `model`. */
  id: string;
  source: ModelSource;
  /** Human-readable note shown by `GET /v1/models` and the demo's model picker. */
  description?: string;
  /**
   * dtypes whose ONNX file keeps its weights in `model{suffix}.onnx_data` (files over protobuf's
   * 2 GB limit). transformers.js only fetches external data when told to.
   */
  externalData?: Partial<Record<Dtype, boolean>>;
}

/** Model file precision, named as transformers.js names its files. */
export type Dtype = 'fp32' | 'fp16' | 'q8';

/** The model the hosted API serves and webrerank loads by default. */
export const DEFAULT_MODEL_ID = 'BAAI/bge-reranker-v2-m3';

/** Where the default model's ONNX conversion lives on the hub. */
export const DEFAULT_MODEL_REPO = 'onnx-community/bge-reranker-v2-m3-ONNX';

/** The built-in entries: the real bge-reranker-v2-m3 from its transformers.js conversion. */
export const BUILTIN_MODELS: readonly ModelEntry[] = Object.freeze([
  Object.freeze({
    id: DEFAULT_MODEL_ID,
    source: Object.freeze({ hub: DEFAULT_MODEL_REPO }),
    description: 'BGE Reranker v2 M3 - multilingual cross-encoder (XLM-RoBERTa large, 568M parameters)',
    // fp32 is 2.27 GB, past protobuf's limit, so its weights sit beside the graph.
    externalData: Object.freeze({ fp32: true }),
  }),
]);

/**
 * A set of model entries keyed by id. Each reranker owns one, so registering a model in one app
 * never changes what another serves.
 *
 * @example
 * const registry = new ModelRegistry();
 * registry.register({ id: 'BAAI/bge-reranker-v2-m3', source: { url: 'https://cdn.example.com/bge-reranker-v2-m3/' } });
 */
export class ModelRegistry {
  readonly #entries = new Map<string, ModelEntry>();

  constructor(entries: readonly ModelEntry[] = BUILTIN_MODELS) {
    for (const entry of entries) this.register(entry);
  }

  /** Adds an entry, or replaces the one with the same id (e.g. to self-host the default model). */
  register(entry: ModelEntry): this {
    if (typeof entry.id !== 'string' || entry.id === '') throw new TypeError('A model entry needs a non-empty id.');
    this.#entries.set(entry.id, entry);
    return this;
  }

  /** The entry for `id`, or a 400 `unknown_model` error that lists the served ids. */
  get(id: string): ModelEntry {
    const entry = this.#entries.get(id);
    if (!entry) {
      throw new RerankError('unknown_model', `Model "${id}" is not served here. Served models: ${this.ids().join(', ')}.`);
    }
    return entry;
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  ids(): string[] {
    return [...this.#entries.keys()];
  }
}
