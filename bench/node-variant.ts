/**
 * One benchmark variant in Node, in its own process: transformers.js fixes its ONNX runtime per
 * process, and a fresh process makes peak RSS this variant's alone.
 *
 *   node --import tsx bench/node-variant.ts MODEL_DIR
 *
 * Reads driver commands (JSON, one per line) on stdin; answers each with REPLY_MARKER + JSON on
 * stdout (see Driver in core.ts).
 */
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { onnxruntimeWebFiles, useOnnxruntimeWebInNode } from '../src/node/node-runtime.js';
import { Driver, ONNX_FILE_BY_DTYPE, REPLY_MARKER, recipeScores, rerankerTuning, runBatches, scoresByIndex, webrerankBatches, type RecipeModel, type RecipeTokenizer, type Runner, type VariantSpec } from './core.js';
import { localTransformers } from './models.js';
import { WORKLOADS, type WorkloadName } from './workloads.js';

/** The thread count onnxruntime-web settled on (it fills in its default at initialization). */
async function wasmThreads(): Promise<number | null> {
  const threads = (await import('onnxruntime-web')).env.wasm.numThreads;
  return typeof threads === 'number' ? threads : null;
}

function makeRunner(spec: VariantSpec, modelDir: string): Runner {
  const { query, documents } = WORKLOADS[spec.workload as WorkloadName]();
  const wasm = spec.env === 'node-wasm';

  if (spec.approach === 'webrerank') {
    let reranker: Awaited<ReturnType<typeof import('../src/node.js').createReranker>> | undefined;
    return {
      async load() {
        const { createReranker } = await import('../src/node.js');
        reranker = await createReranker({
          modelPath: modelDir,
          model: 'bench',
          backend: wasm ? 'wasm' : 'cpu',
          dtype: spec.dtype,
          // Timed calls repeat one request: they must run the model, not read the score cache.
          scoreCacheBytes: 0,
          ...rerankerTuning(spec),
        });
        const info = await reranker.info();
        return { threads: wasm ? await wasmThreads() : (info.threads ?? null), batches: null };
      },
      async call() {
        const response = await (reranker as NonNullable<typeof reranker>).rerank({ model: 'bench', query, documents });
        return { scores: scoresByIndex(response.results, documents.length), tokens: response.usage?.total_tokens };
      },
      async dispose() {
        await reranker?.dispose();
      },
    };
  }

  if (spec.approach === 'recipe') {
    let tokenizer: RecipeTokenizer | undefined;
    let model: (RecipeModel & { dispose(): Promise<unknown> }) | undefined;
    return {
      async load() {
        if (wasm) await useOnnxruntimeWebInNode();
        const { transformers, name } = await localTransformers(modelDir);
        tokenizer = (await transformers.AutoTokenizer.from_pretrained(name)) as unknown as RecipeTokenizer;
        // The recipe as a Node developer writes it: the library's defaults (onnxruntime-node, its
        // thread count). Under onnxruntime-web the wasm provider must be named, as webrerank does.
        model = (await transformers.AutoModelForSequenceClassification.from_pretrained(name, {
          dtype: spec.dtype,
          ...(wasm ? { device: 'auto', session_options: { executionProviders: ['wasm'] } } : {}),
        } as never)) as unknown as RecipeModel & { dispose(): Promise<unknown> };
        const planned = webrerankBatches(tokenizer as never, query, documents, spec.dtype, wasm ? 'wasm' : 'cpu');
        return { tokens: planned.tokens, threads: wasm ? await wasmThreads() : null, batches: 1 };
      },
      call: async () => ({ scores: await recipeScores(tokenizer as RecipeTokenizer, model as RecipeModel, query, documents) }),
      async dispose() {
        await model?.dispose();
      },
    };
  }

  // raw (onnxruntime-web in Node) or native (onnxruntime-node): webrerank's own batches, prebuilt.
  let run: ((batchIndex: number) => Promise<Float32Array>) | undefined;
  let release: (() => Promise<void>) | undefined;
  let planned: ReturnType<typeof webrerankBatches> | undefined;
  return {
    async load() {
      const { transformers, name } = await localTransformers(modelDir);
      const tokenizer = await transformers.AutoTokenizer.from_pretrained(name);
      planned = webrerankBatches(tokenizer as never, query, documents, spec.dtype, wasm ? 'wasm' : 'cpu', spec);
      const threads = spec.threads ?? 2;
      const ort = wasm ? await import('onnxruntime-web') : await import('onnxruntime-node');
      if (wasm) {
        const web = ort as typeof import('onnxruntime-web');
        web.env.wasm.wasmPaths = onnxruntimeWebFiles();
        web.env.wasm.numThreads = threads;
      }
      const session = await ort.InferenceSession.create(join(modelDir, ONNX_FILE_BY_DTYPE[spec.dtype]), {
        executionProviders: [wasm ? 'wasm' : 'cpu'],
        ...(wasm ? {} : { intraOpNumThreads: threads, interOpNumThreads: 1 }),
      });
      const feeds = planned.batches.map(({ packed }) => ({
        input_ids: new ort.Tensor('int64', packed.inputIds, [packed.rows, packed.width]),
        attention_mask: new ort.Tensor('int64', packed.attentionMask, [packed.rows, packed.width]),
      }));
      run = async (batchIndex) => ((await session.run(feeds[batchIndex] as never)).logits as { data: Float32Array }).data;
      release = () => session.release();
      return { tokens: planned.tokens, threads, batches: planned.batches.length, notes: { batch_rows: planned.batches.map(({ packed }) => packed.rows) } };
    },
    call: async () => ({ scores: await runBatches(planned as NonNullable<typeof planned>, run as NonNullable<typeof run>) }),
    async dispose() {
      await release?.();
    },
  };
}

async function main(): Promise<void> {
  const modelDir = process.argv[2] as string;
  const driver = new Driver((spec) => makeRunner(spec, modelDir));
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const reply = await driver.handle(JSON.parse(line));
    process.stdout.write(`${REPLY_MARKER}${JSON.stringify(reply)}\n`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
