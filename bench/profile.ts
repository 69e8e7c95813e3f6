/**
 * `npm run bench:profile`: where the time goes on WASM, and what bounds `speedup_vs_recipe`.
 *
 *   npm run bench:profile                   # 1-layer full-width model (32k vocabulary), ~4 min
 *   npm run bench:profile -- --model l2     # the main bench's 2-layer model
 *
 * onnxruntime-web's WASM backend (the kernels Chromium runs, here in Node) is fed the 40-document
 * workload two ways: the recipe's shape (every pair in one batch padded to the longest) and
 * webrerank's length-sorted batches. Each thread count runs in its own process (ORT-web fixes its
 * threads per process). It prints, and writes to bench/results/profile.json:
 * - the work each way, counted in multiply-adds from the model's dimensions (padding included);
 * - wall time for each shape at 1 thread, and for webrerank's batches at every thread count;
 * - ORT's own per-operator profile of webrerank's batches: which kernels take the time.
 * The speedup webrerank can reach over the recipe (at 1 thread) is at most the work ratio times
 * the thread scaling; the profile shows whether anything besides those kernels is left to cut.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { onnxruntimeWebFiles } from '../src/node/node-runtime.js';
import { ONNX_FILE_BY_DTYPE, round, webrerankBatches, type PlannedBatches } from './core.js';
import { BENCH_MODELS, ensureModel, localTransformers, type BenchModelName } from './models.js';
import { WORKLOADS } from './workloads.js';

const RESULT_MARKER = '@@profile-result@@';

interface ModelDimensions {
  hidden: number;
  intermediate: number;
  layers: number;
}

/** What one child process measured. */
interface ChildResult {
  threads: number;
  /** Best of the timed calls, ms; the recipe's shape is timed at 1 thread only. */
  recipeMs?: number;
  webrerankMs: number;
  /** Kernel time by operator type for webrerank's batches, ms (profiled runs only). */
  operators?: Record<string, number>;
}

/**
 * Multiply-adds of the encoder for one batch of `rows` × `width` tokens: per layer, the four
 * attention projections and the two feed-forward matrices on every token, plus the attention
 * scores and their weighted sum (width² per head dimension). Padding costs as much as a token.
 */
function batchMultiplyAdds(rows: number, width: number, model: ModelDimensions): number {
  const perToken = 4 * model.hidden * model.hidden + 2 * model.hidden * model.intermediate;
  const attention = 2 * width * width * model.hidden;
  return model.layers * rows * (width * perToken + attention);
}

function plannedMultiplyAdds(planned: PlannedBatches, model: ModelDimensions): number {
  return planned.batches.reduce((sum, { packed }) => sum + batchMultiplyAdds(packed.rows, packed.width, model), 0);
}

function paddedTokens(planned: PlannedBatches): number {
  return planned.batches.reduce((sum, { packed }) => sum + packed.rows * packed.width, 0);
}

/** The recipe's shape and webrerank's batches for the 40-document workload. */
async function plans(modelDir: string) {
  const { transformers, name } = await localTransformers(modelDir);
  const tokenizer = await transformers.AutoTokenizer.from_pretrained(name);
  const { query, documents } = WORKLOADS.docs40();
  return {
    recipe: webrerankBatches(tokenizer as never, query, documents, 'fp32', 'wasm', { tokenBudget: Number.POSITIVE_INFINITY, maxBatchSize: documents.length }),
    webrerank: webrerankBatches(tokenizer as never, query, documents, 'fp32', 'wasm'),
  };
}

function modelDimensions(modelDir: string): ModelDimensions {
  const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as Record<string, number>;
  return { hidden: config.hidden_size as number, intermediate: config.intermediate_size as number, layers: config.num_hidden_layers as number };
}

// ---------------------------------------------------------------------------------------------
// The child: one thread count, one process

async function child(modelDir: string, threads: number, profile: boolean): Promise<void> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.wasmPaths = onnxruntimeWebFiles();
  ort.env.wasm.numThreads = threads;
  const { recipe, webrerank } = await plans(modelDir);
  const session = await ort.InferenceSession.create(join(modelDir, ONNX_FILE_BY_DTYPE.fp32), { executionProviders: ['wasm'], enableProfiling: profile });
  const runAll = async (planned: PlannedBatches) => {
    const started = performance.now();
    for (const { packed } of planned.batches) {
      await session.run({
        input_ids: new ort.Tensor('int64', packed.inputIds, [packed.rows, packed.width]),
        attention_mask: new ort.Tensor('int64', packed.attentionMask, [packed.rows, packed.width]),
      });
    }
    return performance.now() - started;
  };
  // The first call grows the runtime's arena (FACTS: slow once on these VMs); time the next two.
  const best = async (planned: PlannedBatches, timed: number) => {
    await runAll(planned);
    let fastest = Number.POSITIVE_INFINITY;
    for (let call = 0; call < timed; call++) fastest = Math.min(fastest, await runAll(planned));
    return fastest;
  };

  const result: ChildResult = { threads, webrerankMs: await best(webrerank, profile ? 1 : 2) };
  if (threads === 1 && !profile) result.recipeMs = await best(recipe, 2);
  // ORT-web prints the profile (Chrome trace JSON) to stdout; the parent reads it from there.
  if (profile) session.endProfiling();
  await session.release();
  process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------
// The parent

/** Kernel time by operator type from ORT's trace events on `stdout`. */
function operatorTimes(stdout: string): Record<string, number> {
  const start = stdout.indexOf('[\n{');
  const end = stdout.lastIndexOf(']', stdout.indexOf(RESULT_MARKER));
  if (start < 0 || end < start) throw new Error('onnxruntime-web printed no profile');
  const events = JSON.parse(stdout.slice(start, end + 1)) as { cat: string; name: string; dur: number; args: { op_name?: string } }[];
  const byOperator: Record<string, number> = {};
  for (const event of events) {
    if (event.cat !== 'Node' || !event.name.endsWith('_kernel_time')) continue;
    const operator = event.args.op_name ?? 'unknown';
    byOperator[operator] = (byOperator[operator] ?? 0) + event.dur / 1000;
  }
  return byOperator;
}

async function runChild(modelDir: string, threads: number, profile: boolean): Promise<ChildResult> {
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', modelDir, '--threads', String(threads), ...(profile ? ['--profile'] : [])];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 512 * 1024 * 1024 });
  const line = stdout.slice(stdout.lastIndexOf(RESULT_MARKER) + RESULT_MARKER.length).trim();
  const result = JSON.parse(line) as ChildResult;
  if (profile) result.operators = operatorTimes(stdout);
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, child: { type: 'string' }, threads: { type: 'string' }, profile: { type: 'boolean' } } });
  if (values.child) return child(values.child, Number(values.threads), values.profile ?? false);

  const name = (values.model ?? 'l1v32k') as BenchModelName;
  if (!(name in BENCH_MODELS)) throw new Error(`--model takes ${Object.keys(BENCH_MODELS).join(', ')}`);
  const modelDir = await ensureModel(name, console.log);
  const dimensions = modelDimensions(modelDir);
  const { recipe, webrerank } = await plans(modelDir);
  const workRatio = plannedMultiplyAdds(recipe, dimensions) / plannedMultiplyAdds(webrerank, dimensions);
  const cores = availableParallelism();

  // One process at a time: they would compete for the same cores.
  const single = await runChild(modelDir, 1, false);
  const all = await runChild(modelDir, cores, false);
  const profiled = await runChild(modelDir, cores, true);

  const recipeMs = single.recipeMs as number;
  const paddingGain = recipeMs / single.webrerankMs;
  const threadGain = single.webrerankMs / all.webrerankMs;
  const operators = Object.entries(profiled.operators ?? {}).sort((a, b) => b[1] - a[1]);
  const kernelMs = operators.reduce((sum, [, ms]) => sum + ms, 0);
  const report = {
    generated_at: new Date().toISOString(),
    command: `npm run bench:profile -- --model ${name}`,
    machine: { cpu_model: cpus()[0]?.model ?? 'unknown', cores },
    model: BENCH_MODELS[name].description,
    workload: `docs40: ${webrerank.pairLengths.length} pairs, ${webrerank.tokens} tokens`,
    recipe_batches: recipe.batches.map(({ packed }) => `${packed.rows}×${packed.width}`),
    webrerank_batches: webrerank.batches.map(({ packed }) => `${packed.rows}×${packed.width}`),
    padded_tokens: { recipe: paddedTokens(recipe), webrerank: paddedTokens(webrerank), real: webrerank.tokens },
    work_ratio_recipe_vs_webrerank: round(workRatio, 2),
    recipe_1_thread_ms: round(recipeMs, 0),
    webrerank_1_thread_ms: round(single.webrerankMs, 0),
    [`webrerank_${cores}_threads_ms`]: round(all.webrerankMs, 0),
    padding_gain_1_thread: round(paddingGain, 2),
    thread_gain: round(threadGain, 2),
    speedup_vs_recipe_at_1_thread_recipe: round(paddingGain * threadGain, 2),
    bound_with_perfect_threads: round(workRatio * cores, 2),
    kernel_share: Object.fromEntries(operators.map(([operator, ms]) => [operator, round(ms / kernelMs, 3)])),
  };

  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/profile.json', `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${report.model}; ${report.workload}`);
  console.log(`tokens run: recipe ${report.padded_tokens.recipe}, webrerank ${report.padded_tokens.webrerank}, of ${report.padded_tokens.real} real`);
  console.log(`work (multiply-adds), recipe's one padded batch vs webrerank's batches: ${report.work_ratio_recipe_vs_webrerank}×`);
  console.log(`1 thread: recipe ${report.recipe_1_thread_ms} ms, webrerank's batches ${report.webrerank_1_thread_ms} ms → ${report.padding_gain_1_thread}×`);
  console.log(`${cores} threads: webrerank's batches ${round(all.webrerankMs, 0)} ms → ${report.thread_gain}× over 1 thread`);
  console.log(`speedup over the 1-thread recipe: ${report.speedup_vs_recipe_at_1_thread_recipe}× (bound with perfect thread scaling: ${report.bound_with_perfect_threads}×)`);
  console.log('kernel time by operator (webrerank batches):');
  for (const [operator, ms] of operators.slice(0, 8)) console.log(`  ${operator.padEnd(24)} ${(100 * ms / kernelMs).toFixed(1).padStart(5)} %`);
  console.log('wrote bench/results/profile.json');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
