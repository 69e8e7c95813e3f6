/**
 * webrerank beside its peers on the same weights and tokenizer: Python onnxruntime as a Python
 * user writes it (one padded batch, and a per-pair loop), with Hugging Face `tokenizers`; PyTorch
 * (sentence-transformers) where installed, else skipped with the reason. Reports pairs/s (best of
 * `--rounds` after a warm-up) and how far each peer's scores are from webrerank's.
 *
 * Run: npx tsx bench/peers.ts [--quick] [--threads N]   → bench/results/peers.json
 * Needs the reference Python (.cache/reference-python, as .ci/run makes it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createReranker } from '../src/node.js';
import { ensureModel } from './models.js';
import { mixedDocuments } from '../test/kit/documents.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, threads: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' } } });
const threads = Number(values.threads);
const rounds = Number(values.rounds);
const quick = values.quick === true;
const python = process.env.WEBRERANK_REFERENCE_PYTHON ?? resolve('.cache/reference-python/bin/python');
const modelName = quick ? 'l1v32k' : 'l2';
const dir = await ensureModel(modelName, console.log);
const query = 'how does a cross-encoder rerank search results';
const documents = mixedDocuments(quick ? 10 : 20, 200, 300);
const maxLength = 512;

interface PeerResult {
  scores?: number[];
  pairsPerSecond?: number;
  skipped?: string;
}

async function webrerank(dtype: 'fp32' | 'q8'): Promise<PeerResult> {
  const reranker = await createReranker({ modelPath: dir, dtype, threads, maxLength });
  try {
    const run = async (): Promise<number[]> => {
      const response = await reranker.rerank({ model: 'BAAI/bge-reranker-v2-m3', query, documents });
      const scores = new Array<number>(documents.length);
      // No budget is set, so every result carries a score; a missing one shows as NaN, a mismatch.
      for (const result of response.results) scores[result.index] = result.relevance_score ?? Number.NaN;
      return scores;
    };
    await run();
    let best = Infinity;
    let scores: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const start = performance.now();
      scores = await run();
      best = Math.min(best, performance.now() - start);
    }
    return { scores, pairsPerSecond: documents.length / (best / 1000) };
  } finally {
    await reranker.dispose();
  }
}

const results: Record<string, PeerResult> = { 'webrerank-fp32': await webrerank('fp32'), 'webrerank-q8': await webrerank('q8') };
const folder = mkdtempSync(join(tmpdir(), 'webrerank-peers-'));
try {
  writeFileSync(join(folder, 'job.json'), JSON.stringify({ dir, query, documents, maxLength, threads, rounds }));
  execFileSync(python, [resolve('tools/reference/peer_bench.py'), join(folder, 'job.json'), join(folder, 'out.json')], { stdio: 'inherit' });
  Object.assign(results, JSON.parse(readFileSync(join(folder, 'out.json'), 'utf8')) as Record<string, PeerResult>);
} finally {
  rmSync(folder, { recursive: true, force: true });
}

const rows = Object.entries(results).map(([peer, result]) => {
  if (result.skipped) return { peer, skipped: result.skipped };
  const dtype = peer.endsWith('q8') ? 'q8' : 'fp32';
  const ours = results[`webrerank-${dtype}`]?.scores ?? [];
  const difference = Math.max(...(result.scores ?? []).map((score, index) => Math.abs(score - (ours[index] ?? NaN))));
  return { peer, pairsPerSecond: Number(result.pairsPerSecond?.toFixed(2)), maxScoreDifferenceFromWebrerank: difference };
});
const report = {
  date: new Date().toISOString(),
  model: modelName,
  pairs: documents.length,
  maxLength,
  threads,
  rounds,
  node: process.versions.node,
  rows,
};
writeFileSync(resolve('bench/results/peers.json'), `${JSON.stringify(report, null, 2)}\n`);
console.table(rows);
