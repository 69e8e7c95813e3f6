/**
 * The WebGPU section of `npm run bench`: onnxruntime-node's WebGPU provider in Node, fp16 and fp32.
 *
 *   npm run bench -- --sections webgpu                 # the tiny stand-in: correctness + budget sweep
 *   npm run bench -- --sections webgpu --model l2      # bge-reranker-v2-m3's width, on a real GPU
 *
 * Correctness: each dtype's scores on the 40-document workload against the CPU's fp32. The sweep:
 * pairs/s for each padded-token budget (`tokenBudget`), the knob that decides how many documents
 * share a GPU dispatch. On lavapipe (Mesa's Vulkan driver on the CPU) the speeds mean nothing
 * about a GPU — the section is there so that the path runs, and so that on a machine with a GPU
 * the same command gives real numbers. The first call of each dtype (shader compilation) is
 * reported apart.
 */
import { createReranker } from '../src/node.js';
import { probeNodeWebGpu } from '../src/node/webgpu-probe.js';
import type { RerankResponse } from '../src/core/contract.js';
import { WORKLOADS } from './workloads.js';

/** Budgets swept: the CPU default (512), WebGPU's (2048), and 8k padded tokens per batch. */
export const WEBGPU_TOKEN_BUDGETS = [512, 2048, 8192] as const;
/** Timed calls per budget at most: on lavapipe one call of 40 documents takes seconds. */
const MOST_ROUNDS = 2;

export interface WebGpuBenchResult {
  adapter: { available: boolean; shaderF16: boolean; reason?: string; probe_ms: number };
  /** Max |Δ relevance score| against the CPU's fp32, per dtype. */
  max_score_difference_vs_cpu_fp32: Partial<Record<'fp16' | 'fp32', number>>;
  /** Load plus the first call (shader compilation), per dtype. */
  first_call_ms: Partial<Record<'fp16' | 'fp32', number>>;
  sweep: { dtype: 'fp16' | 'fp32'; token_budget: number; median_ms: number; pairs_per_s: number }[];
}

function scores(response: RerankResponse, count: number): number[] {
  const byIndex = new Array<number>(count).fill(Number.NaN);
  for (const result of response.results) byIndex[result.index] = result.relevance_score ?? Number.NaN;
  return byIndex;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Runs the section on `modelDir` (which must hold model.onnx and model_fp16.onnx). */
export async function runWebGpuBench(modelDir: string, rounds: number, log: (line: string) => void): Promise<WebGpuBenchResult> {
  const gpu = await probeNodeWebGpu();
  const result: WebGpuBenchResult = {
    adapter: { available: gpu.available, shaderF16: gpu.shaderF16, ...(gpu.reason ? { reason: gpu.reason } : {}), probe_ms: gpu.milliseconds },
    max_score_difference_vs_cpu_fp32: {},
    first_call_ms: {},
    sweep: [],
  };
  if (!gpu.available) {
    log(`webgpu: no adapter (${gpu.reason}); nothing to measure`);
    return result;
  }
  const { query, documents } = WORKLOADS.docs40();
  const request = { model: 'bench', query, documents };
  const cpu = await createReranker({ modelPath: modelDir, model: 'bench', dtype: 'fp32', scoreCacheBytes: 0 });
  const reference = scores(await cpu.rerank(request), documents.length);
  await cpu.dispose();

  for (const dtype of gpu.shaderF16 ? (['fp32', 'fp16'] as const) : (['fp32'] as const)) {
    for (const tokenBudget of WEBGPU_TOKEN_BUDGETS) {
      const started = performance.now();
      const reranker = await createReranker({ modelPath: modelDir, model: 'bench', backend: 'webgpu', dtype, tokenBudget, scoreCacheBytes: 0 });
      try {
        const first = await reranker.rerank(request);
        if (result.first_call_ms[dtype] === undefined) {
          result.first_call_ms[dtype] = Math.round(performance.now() - started);
          const got = scores(first, documents.length);
          result.max_score_difference_vs_cpu_fp32[dtype] = Math.max(...got.map((score, i) => Math.abs(score - (reference[i] as number))));
        }
        const times: number[] = [];
        for (let round = 0; round < Math.min(rounds, MOST_ROUNDS); round++) {
          const callStarted = performance.now();
          await reranker.rerank(request);
          times.push(performance.now() - callStarted);
        }
        const medianMs = median(times);
        result.sweep.push({ dtype, token_budget: tokenBudget, median_ms: Math.round(medianMs), pairs_per_s: Number(((documents.length * 1000) / medianMs).toFixed(2)) });
        log(`  webgpu ${dtype} budget ${String(tokenBudget).padStart(5)}: ${medianMs.toFixed(0)} ms/call, ${((documents.length * 1000) / medianMs).toFixed(1)} pairs/s`);
      } finally {
        await reranker.dispose();
      }
    }
  }
  log(`webgpu: max |Δ score| vs cpu fp32 ${JSON.stringify(result.max_score_difference_vs_cpu_fp32)}; first call ${JSON.stringify(result.first_call_ms)} ms`);
  return result;
}
