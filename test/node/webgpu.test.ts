/**
 * The GPU path for real: onnxruntime-node's WebGPU provider (Dawn) on Mesa's lavapipe, a Vulkan
 * driver that runs on the CPU and has `shaderFloat16` — so fp16 kernels, the overflow that
 * breaks fp16 in the field, and the fallback that catches it all run here as on a GPU (only
 * slower). `.ci/run` installs lavapipe; without a usable adapter the first test fails and says
 * how to get one, so the GPU path cannot silently stop being tested.
 *
 * One file, few documents, the tiny stand-in: every new session compiles its shaders on the CPU.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RerankEngine } from '../../src/engine/engine.js';
import { createReranker } from '../../src/node.js';
import { probeNodeWebGpu } from '../../src/node/webgpu-probe.js';
import type { RerankRequest, RerankResponse } from '../../src/core/contract.js';
import { generateStandinModel } from '../../tools/standin/index.js';
import { HOSTED_EXAMPLE, mixedDocuments } from '../kit/documents.js';
import { startServer } from '../../src/server/node/node-server.js';
import { runCli } from '../support/cli.js';
import { scoreOf } from '../support/scores.js';

const HOW_TO_GET_AN_ADAPTER =
  'Install a Vulkan driver with shaderFloat16 — on Debian bookworm, Mesa 25 from backports: ' +
  "echo 'deb <your Debian mirror> bookworm-backports main' > /etc/apt/sources.list.d/bookworm-backports.list && " +
  'apt-get update && apt-get install -y -t bookworm-backports mesa-vulkan-drivers (or run .ci/run).';

/** fp32 on WebGPU against fp32 on the CPU: the same arithmetic, summed in another order. */
const FP32_TOLERANCE = 1e-5;
/**
 * fp16 on WebGPU against fp32 on the CPU, in relevance score (sigmoid of the logit). Measured on
 * this file's documents: at most 6.0e-4 (logits off by up to ~4e-3: fp16 keeps ~3 significant
 * digits through two layers). About 3× that, so a kernel that loses more precision fails.
 */
const FP16_TOLERANCE = 2e-3;
/**
 * fp16 alone vs inside 100 others: measured 3.0e-5. A padded batch changes the length fp16
 * matmuls and reductions run over, so the rounding (not the mask) differs a little; fp32 shows
 * 7e-8. 1e-4 is ~3× the measurement and far below what a mask error would cause (> 1e-2).
 */
const FP16_BATCHING_TOLERANCE = 1e-4;

let root: string;
let modelPath: string;
let overflowModelPath: string;
let cpu: RerankEngine;
let gpuFp32: RerankEngine;
let gpuFp16: RerankEngine;

const documents = [...HOSTED_EXAMPLE.documents, ...mixedDocuments(12, 3, 60, 7)];
const request: RerankRequest = { ...HOSTED_EXAMPLE, documents };

function scoresByIndex(response: RerankResponse): number[] {
  const scores: number[] = [];
  for (const result of response.results) scores[result.index] = scoreOf(result);
  return scores;
}

function largestDifference(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((value, i) => Math.abs(value - (b[i] ?? Number.NaN))));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'webrerank-webgpu-'));
  modelPath = (await generateStandinModel({ out: join(root, 'tiny'), dtypes: ['fp32', 'fp16'] })).dir;
  overflowModelPath = (await generateStandinModel({ out: join(root, 'massive'), dtypes: ['fp32', 'fp16'], massiveActivations: 2 })).dir;
  cpu = await createReranker({ modelPath, dtype: 'fp32' });
}, 120_000);

afterAll(async () => {
  await Promise.all([cpu, gpuFp32, gpuFp16].map((reranker) => reranker?.dispose()));
  rmSync(root, { recursive: true, force: true });
});

describe('WebGPU in Node (onnxruntime-node on lavapipe)', { timeout: 180_000 }, () => {
  it('finds a WebGPU adapter that runs fp16 (shader-f16)', async () => {
    const gpu = await probeNodeWebGpu();
    if (!gpu.available || !gpu.shaderF16) {
      throw new Error(`NO USABLE WEBGPU ADAPTER: ${gpu.reason}. The GPU path is untested until there is one. ${HOW_TO_GET_AN_ADAPTER}`);
    }
    console.info(`WebGPU probe: adapter with shader-f16 in ${gpu.milliseconds} ms`);
  });

  it('scores like the CPU in fp32 (≤ 1e-5) and reports webgpu/fp32', async () => {
    const started = performance.now();
    gpuFp32 = await createReranker({ modelPath, backend: 'webgpu', dtype: 'fp32' });
    const response = await gpuFp32.rerank(request);
    console.info(`webgpu fp32: load + first rerank (shader compilation) ${Math.round(performance.now() - started)} ms`);
    expect(response.meta).toMatchObject({ backend: 'webgpu', dtype: 'fp32' });
    const reference = scoresByIndex(await cpu.rerank(request));
    expect(largestDifference(scoresByIndex(response), reference)).toBeLessThanOrEqual(FP32_TOLERANCE);
  });

  it(`scores within ${FP16_TOLERANCE} of the CPU's fp32 in fp16, ranking the clear winner first, and reports webgpu/fp16`, async () => {
    const started = performance.now();
    gpuFp16 = await createReranker({ modelPath, backend: 'webgpu' });
    const response = await gpuFp16.rerank(request);
    console.info(`webgpu fp16: load + first rerank (shader compilation) ${Math.round(performance.now() - started)} ms`);
    expect(response.meta).toMatchObject({ backend: 'webgpu', dtype: 'fp16' });
    const reference = await cpu.rerank(request);
    const difference = largestDifference(scoresByIndex(response), scoresByIndex(reference));
    console.info(`webgpu fp16 vs cpu fp32: max |Δ score| ${difference.toExponential(2)}`);
    expect(difference).toBeLessThanOrEqual(FP16_TOLERANCE);
    expect(response.results[0]?.index).toBe(reference.results[0]?.index);
    expect((await gpuFp16.info()).fallbacks).toBeUndefined();
  });

  it.each(['fp32', 'fp16'] as const)('gives a document the same %s score alone and inside 100 others (batching on WebGPU)', async (dtype) => {
    const reranker = dtype === 'fp32' ? gpuFp32 : gpuFp16;
    const target = 'Machine learning is a subset of artificial intelligence that learns from data.';
    const crowd = mixedDocuments(100, 2, 120, 11);
    crowd.splice(37, 0, target);
    const alone = await reranker.rerank({ ...HOSTED_EXAMPLE, documents: [target] });
    const inside = await reranker.rerank({ ...HOSTED_EXAMPLE, documents: crowd });
    const difference = Math.abs((alone.results[0]?.relevance_score ?? Number.NaN) - (scoresByIndex(inside)[37] ?? Number.NaN));
    console.info(`webgpu ${dtype}: alone vs inside 101 documents |Δ score| ${difference.toExponential(2)}`);
    expect(difference).toBeLessThanOrEqual(dtype === 'fp32' ? FP32_TOLERANCE : FP16_BATCHING_TOLERANCE);
  });

  it('answers through the fallback when fp16 overflows: NaN on WebGPU fp16, the right scores from WebGPU fp32, and the choice kept', async () => {
    const reference = await createReranker({ modelPath: overflowModelPath, dtype: 'fp32' });
    const reranker = await createReranker({ modelPath: overflowModelPath, backend: 'webgpu' });
    try {
      expect((await reranker.info()).dtype).toBe('fp16');
      const first = await reranker.rerank(request);
      expect(first.meta).toMatchObject({ backend: 'webgpu', dtype: 'fp32' });
      const expected = scoresByIndex(await reference.rerank(request));
      expect(largestDifference(scoresByIndex(first), expected)).toBeLessThanOrEqual(FP32_TOLERANCE);
      // The stand-in still ranks by its text in fp32: its massive channels don't flatten the scores.
      expect(new Set(expected.map((score) => score.toFixed(4))).size).toBeGreaterThan(documents.length / 2);

      const info = await reranker.info();
      expect(info).toMatchObject({ backend: 'webgpu', dtype: 'fp32' });
      expect(info.fallbacks).toEqual([{ backend: 'webgpu', dtype: 'fp16', reason: expect.stringMatching(/NaN or infinite logits on webgpu\/fp16 \(fp16 overflow\)/) }]);

      // Remembered: the next request goes straight to fp32, with no second fallback.
      expect((await reranker.rerank(HOSTED_EXAMPLE)).meta).toMatchObject({ backend: 'webgpu', dtype: 'fp32' });
      expect((await reranker.info()).fallbacks).toHaveLength(1);
    } finally {
      await Promise.all([reranker.dispose(), reference.dispose()]);
    }
  });

  it("`webrerank serve`'s server on WebGPU answers /v1/rerank with meta webgpu/fp16 and says so in /health", async () => {
    const server = await startServer({ engine: { modelPath, backend: 'webgpu' }, port: 0, log: () => undefined });
    try {
      await server.ready;
      const health = (await (await fetch(`${server.url}/health`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ status: 'ready', backend: 'webgpu', dtype: 'fp16' });
      const answer = await fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(HOSTED_EXAMPLE) });
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as RerankResponse).meta).toMatchObject({ backend: 'webgpu', dtype: 'fp16' });
    } finally {
      await server.close();
    }
  });

  it('`webrerank rank --backend webgpu --dtype fp16` ranks the hosted example and reports webgpu/fp16', async () => {
    const { code, stdout } = await runCli(['rank', '--backend', 'webgpu', '--dtype', 'fp16', '--model-path', modelPath], JSON.stringify(HOSTED_EXAMPLE));
    expect(code).toBe(0);
    const response = JSON.parse(stdout) as RerankResponse;
    expect(response.meta).toMatchObject({ backend: 'webgpu', dtype: 'fp16' });
    expect(response.results.map((result) => result.index).sort()).toEqual([0, 1, 2, 3]);
  });
});
