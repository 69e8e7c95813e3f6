/**
 * webrerank beside its peers on the same weights and ids: Python onnxruntime as a Python user
 * writes it with Hugging Face `tokenizers` (one padded batch, and a loop of one pair per run), and
 * PyTorch on the CPU — sentence-transformers' `CrossEncoder`, and FlagEmbedding's `FlagReranker`
 * where it installs — on the stand-in's fp32 weights mapped onto
 * `XLMRobertaForSequenceClassification`. Reports pairs/s (best of `--rounds` after a warm-up) and
 * each peer's largest score difference from webrerank's, and fails (exit 1, results not written)
 * when a peer is further off than its bound (bench/peer-agreement.ts).
 *
 * Run: npm run bench:peers [-- --model l2|full] [--quick] [--threads N] [--rounds N]
 *   → bench/results/peers.json (--quick: l1v32k, 10 documents)
 * The Python side runs in .cache/peers-python (or $WEBRERANK_PEERS_PYTHON), which the first run
 * makes with tools/reference/make-peers-python.sh (minutes, over a gigabyte); where PyTorch cannot
 * be installed there, the PyTorch peers are skipped with the reason.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createReranker } from '../src/node.js';
import { mixedDocuments } from '../test/kit/documents.js';
import { BENCH_MODELS, type BenchModel, type BenchModelName, ensureModel } from './models.js';
import { disagreements, largestDifference, type MeasuredPeer, peerBound } from './peer-agreement.js';
import { machine } from './report.js';

// Other processes on the machine only ever slow a peer down: the results say how busy it was.
const loadAtStart = loadavg()[0] as number;
const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, model: { type: 'string', default: 'l2' }, threads: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' } },
});
const threads = Number(values.threads);
const rounds = Number(values.rounds);
const quick = values.quick === true;
const venv = resolve(process.env.WEBRERANK_PEERS_PYTHON ?? '.cache/peers-python');
const modelName = quick ? 'l1v32k' : values.model;
if (!Object.hasOwn(BENCH_MODELS, modelName) || modelName === 'tiny') throw new Error(`--model ${modelName}: choose one of l1v32k, l1, l2, full (bench/models.ts)`);
const benchModelName = modelName as Exclude<BenchModelName, 'tiny'>;
const model: BenchModel = BENCH_MODELS[benchModelName];
const query = 'how does a cross-encoder rerank search results';
const documents = mixedDocuments(quick ? 10 : 20, 200, 300);
const maxLength = 512;
const TORCH_PEERS = ['sentence-transformers-cross-encoder-fp32', 'flagembedding-flag-reranker-fp32'];

interface Scored {
  scores: number[];
  pairsPerSecond: number;
}
type PythonPeer = Scored | { skipped: string };
interface PythonAnswer {
  peers: Record<string, PythonPeer>;
  versions: Record<string, string>;
  pairTokens?: [number, number];
}

if (!existsSync(join(venv, 'complete'))) {
  console.log(`Making the Python peers' environment in ${venv} (once; minutes)`);
  execFileSync('bash', [resolve('tools/reference/make-peers-python.sh'), venv], { stdio: 'inherit' });
}
// Every dtype is compared: the full-size model's bench folder has q8 only, so fp32 gets its own.
const dir = await ensureModel(benchModelName, console.log, model.dtypes.includes('fp32') ? undefined : ['fp32', 'q8']);

async function webrerank(dtype: 'fp32' | 'q8'): Promise<Scored> {
  // No score cache: every round must run the model, as each peer's does.
  const reranker = await createReranker({ modelPath: dir, dtype, threads, maxLength, scoreCacheBytes: 0 });
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

/** Runs one of tools/reference/'s peer scripts on this run's job, in the peers' environment. */
function python(script: string): PythonAnswer {
  const folder = mkdtempSync(join(tmpdir(), 'webrerank-peers-'));
  try {
    writeFileSync(join(folder, 'job.json'), JSON.stringify({ dir, query, documents, maxLength, threads, rounds }));
    execFileSync(join(venv, 'bin/python'), [resolve('tools/reference', script), join(folder, 'job.json'), join(folder, 'out.json')], { stdio: 'inherit' });
    return JSON.parse(readFileSync(join(folder, 'out.json'), 'utf8')) as PythonAnswer;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const ours = { fp32: await webrerank('fp32'), q8: await webrerank('q8') };
const onnxruntime = python('onnxruntime_peers.py');
const pytorchUnavailable = join(venv, 'pytorch-unavailable.txt');
const torch: PythonAnswer = existsSync(pytorchUnavailable)
  ? { peers: Object.fromEntries(TORCH_PEERS.map((peer) => [peer, { skipped: readFileSync(pytorchUnavailable, 'utf8').trim() }])), versions: {} }
  : python('torch_peers.py');

const measured: MeasuredPeer[] = [];
const skipped: { peer: string; skipped: string }[] = [];
for (const [peer, result] of Object.entries({ ...onnxruntime.peers, ...torch.peers })) {
  if ('skipped' in result) {
    skipped.push({ peer, skipped: result.skipped });
    continue;
  }
  const bound = peerBound(peer);
  const dtype = peer.endsWith('-q8') ? 'q8' : 'fp32';
  measured.push({
    peer,
    pairsPerSecond: Number(result.pairsPerSecond.toFixed(2)),
    maxScoreDifferenceFromWebrerank: largestDifference(ours[dtype].scores, result.scores),
    ...('bound' in bound ? { bound: bound.bound } : { bound: null, unbounded: bound.unbounded }),
  });
}
const rows = [
  { peer: 'webrerank-fp32', pairsPerSecond: Number(ours.fp32.pairsPerSecond.toFixed(2)) },
  { peer: 'webrerank-q8', pairsPerSecond: Number(ours.q8.pairsPerSecond.toFixed(2)) },
  ...measured,
  ...skipped,
];
console.table(rows.map((row) => ({ ...row, skipped: 'skipped' in row ? row.skipped.slice(0, 60) : undefined })));

const failures = disagreements(measured);
if (failures.length > 0) {
  console.error(`Peers disagree with webrerank; bench/results/peers.json left as it was:\n${failures.join('\n')}`);
  process.exit(1);
}
const report = {
  date: new Date().toISOString(),
  model: model.name,
  modelDescription: model.layers === 24 ? 'bge-reranker-v2-m3 dimensions (24 layers)' : model.description,
  pairs: documents.length,
  pairTokens: onnxruntime.pairTokens,
  maxLength,
  threads,
  rounds,
  machine: machine(null),
  loadAverage: { start: Number(loadAtStart.toFixed(2)), end: Number((loadavg()[0] as number).toFixed(2)) },
  python: { ...onnxruntime.versions, ...torch.versions },
  rows,
};
writeFileSync(resolve('bench/results/peers.json'), `${JSON.stringify(report, null, 2)}\n`);
