/**
 * The two comparison approaches, each in a worker of its own, as an app would run them:
 *
 * - recipe: transformers.js' cross-encoder recipe — one padded batch of every pair, its default
 *   thread count (it never sets `numThreads`; ORT then takes min(4, ceil(cores / 2))).
 * - raw: onnxruntime-web itself, fed webrerank's own batches as tensors built before the clock
 *   starts, with the thread count webrerank's backend plan picks on this device: the ceiling any
 *   library on this runtime can reach.
 */
import * as ort from 'onnxruntime-web/webgpu';
import { AutoModelForSequenceClassification, AutoTokenizer, env } from '@huggingface/transformers';
import { planBackends } from '../../src/browser/shared/backend-plan.js';
import { probeCapabilities } from '../../src/browser/shared/capabilities.js';
import type { PairTokenizer } from '../../src/engine/pairs.js';
import { BENCH_MODELS_PREFIX, Driver, ONNX_FILE_BY_DTYPE, recipeScores, runBatches, webrerankBatches, type RecipeModel, type RecipeTokenizer, type Runner, type VariantSpec } from '../core.js';
import { WORKLOADS, type WorkloadName } from '../workloads.js';

// Local files only, no Cache API; ORT's .wasm from the app's bundler (as webrerank's worker does).
env.allowLocalModels = true;
env.allowRemoteModels = false;
env.localModelPath = `${BENCH_MODELS_PREFIX}/`;
env.useBrowserCache = false;
if (env.backends.onnx.wasm) delete env.backends.onnx.wasm.wasmPaths;

function recipeRunner(spec: VariantSpec): Runner {
  const { query, documents } = WORKLOADS[spec.workload as WorkloadName]();
  let tokenizer: RecipeTokenizer | undefined;
  let model: (RecipeModel & { dispose(): Promise<unknown> }) | undefined;
  return {
    async load() {
      const loaded = await AutoTokenizer.from_pretrained(spec.model);
      tokenizer = loaded as unknown as RecipeTokenizer;
      model = (await AutoModelForSequenceClassification.from_pretrained(spec.model, { dtype: spec.dtype, device: 'wasm' })) as unknown as RecipeModel & { dispose(): Promise<unknown> };
      const tokens = webrerankBatches(loaded as unknown as PairTokenizer, query, documents, spec.dtype, 'wasm').tokens;
      return { tokens, threads: env.backends.onnx.wasm?.numThreads ?? null, batches: 1 };
    },
    call: async () => ({ scores: await recipeScores(tokenizer as RecipeTokenizer, model as RecipeModel, query, documents) }),
    async dispose() {
      await model?.dispose();
    },
  };
}

function rawRunner(spec: VariantSpec): Runner {
  const { query, documents } = WORKLOADS[spec.workload as WorkloadName]();
  let session: ort.InferenceSession | undefined;
  let call: (() => Promise<number[]>) | undefined;
  return {
    async load() {
      // webrerank's thread count on this device, from its own plan.
      const plan = planBackends(await probeCapabilities(), { device: 'wasm', dtype: spec.dtype, ...(spec.threads !== undefined ? { threads: spec.threads } : {}) });
      const threads = plan.runtimes[0]?.threads ?? 1;
      const tokenizer = (await AutoTokenizer.from_pretrained(spec.model)) as unknown as PairTokenizer;
      const planned = webrerankBatches(tokenizer, query, documents, spec.dtype, 'wasm', spec);
      ort.env.wasm.numThreads = threads;
      const bytes = new Uint8Array(await (await fetch(`${BENCH_MODELS_PREFIX}/${spec.model}/${ONNX_FILE_BY_DTYPE[spec.dtype]}`)).arrayBuffer());
      // Timed apart: the runtime building the session from bytes already in memory (the full-size
      // bench's baseline for a load from the cache).
      const createStarted = performance.now();
      const loaded = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
      const sessionCreateMs = performance.now() - createStarted;
      session = loaded;
      const feeds = planned.batches.map(({ packed }) => ({
        input_ids: new ort.Tensor('int64', packed.inputIds, [packed.rows, packed.width]),
        attention_mask: new ort.Tensor('int64', packed.attentionMask, [packed.rows, packed.width]),
      }));
      call = () =>
        runBatches(planned, async (batchIndex) => {
          const output = await loaded.run(feeds[batchIndex] as Record<string, ort.Tensor>);
          return (output.logits as ort.Tensor).data as Float32Array;
        });
      return { tokens: planned.tokens, threads: ort.env.wasm.numThreads ?? threads, batches: planned.batches.length, notes: { batch_rows: planned.batches.map(({ packed }) => packed.rows), session_create_ms: Math.round(sessionCreateMs) } };
    },
    call: async () => ({ scores: await (call as () => Promise<number[]>)() }),
    async dispose() {
      await session?.release();
    },
  };
}

const driver = new Driver((spec) => (spec.approach === 'recipe' ? recipeRunner(spec) : rawRunner(spec)));
self.onmessage = async (event: MessageEvent<Parameters<Driver['handle']>[0]>) => {
  self.postMessage(await driver.handle(event.data));
};
