/**
 * `npm run bench:stream`: what progressive results and the score cache buy for one request of 100
 * documents (the docs100 workload, 16–480 tokens), on a stand-in model in Node.
 *
 *   npm run bench:stream                                  # l1v32k, WASM (the browser's kernels), q8, 3 rounds
 *   npm run bench:stream -- --model l2 --backend cpu --rounds 5
 *   npm run bench:stream -- --chromium --rounds 1           # the full-size q8 model in Chromium
 *   npm run bench:stream -- --chromium --model tiny         # the same steps in seconds, to check them
 *
 * Each round, after one warm-up call, measures on an engine without a cache: the time to the first
 * partial of `rerankStream()` and to its last item; and on an engine with the score cache: the
 * first call (nothing cached) and the same request again (every pair cached). Other processes'
 * share of the CPU is not controlled here, so compare figures within one run, as ratios.
 * `--chromium` runs bench/stream-chromium.ts instead. Results: bench/results/stream.json, where
 * each part replaces only its own figures (the Chromium part's are under `chromium`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { RerankRequest } from '../src/core/contract.js';
import { createReranker } from '../src/node.js';
import { BENCH_MODELS, ensureModel, type BenchModelName } from './models.js';
import { machine } from './report.js';
import { runChromiumStreamBench } from './stream-chromium.js';
import { WORKLOADS } from './workloads.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    dtype: { type: 'string', default: 'q8' },
    rounds: { type: 'string', default: '3' },
    chromium: { type: 'boolean', default: false },
  },
});
const RESULTS = 'bench/results/stream.json';
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>) : {};
const save = (report: Record<string, unknown>): void => {
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
};

const modelName = (values.model ?? (values.chromium ? 'full' : 'l1v32k')) as BenchModelName;
if (!(modelName in BENCH_MODELS)) throw new Error(`--model must be one of ${Object.keys(BENCH_MODELS).join(', ')}`);

if (values.chromium) {
  const chromium = await runChromiumStreamBench(modelName, Number(values.rounds), log, (soFar) => save({ ...previous, chromium: soFar }));
  log(JSON.stringify(chromium.fastest, null, 2));
  process.exit(0);
}

const backend = values.backend === 'cpu' ? 'cpu' : 'wasm';
const dtype = values.dtype === 'fp32' ? 'fp32' : 'q8';
const rounds = Number(values.rounds);

const modelDir = await ensureModel(modelName, log);
const workload = WORKLOADS.docs100();
const request: RerankRequest = { model: 'bench', query: workload.query, documents: workload.documents };
const options = { modelPath: modelDir, model: 'bench', backend, dtype } as const;

const streaming = await createReranker({ ...options, scoreCacheBytes: 0 });
const caching = await createReranker(options);
await streaming.rerank(request);

interface Round {
  first_partial_ms: number;
  full_answer_ms: number;
  partials: number;
  uncached_ms: number;
  cached_ms: number;
  cached_pairs: number;
  load_average: number;
}
const results: Round[] = [];
for (let round = 0; round < rounds; round++) {
  const started = performance.now();
  let firstPartial: number | undefined;
  let partials = 0;
  for await (const item of streaming.rerankStream(request)) {
    if (item.done) break;
    partials++;
    firstPartial ??= performance.now() - started;
  }
  const full = performance.now() - started;

  caching.scoreCache.clear();
  let begun = performance.now();
  await caching.rerank(request);
  const uncached = performance.now() - begun;
  begun = performance.now();
  const again = await caching.rerank(request);
  const cached = performance.now() - begun;

  const row: Round = { first_partial_ms: round1(firstPartial ?? full), full_answer_ms: round1(full), partials, uncached_ms: round1(uncached), cached_ms: round1(cached), cached_pairs: again.meta?.cached ?? 0, load_average: loadavg()[0] as number };
  results.push(row);
  log(`round ${round + 1}: first partial ${row.first_partial_ms} ms of ${row.full_answer_ms} ms (${partials} partials); repeated request ${row.uncached_ms} ms → ${row.cached_ms} ms cached (${row.cached_pairs} pairs)`);
}
await streaming.dispose();
await caching.dispose();

const median = (pick: (row: Round) => number): number => {
  const sorted = results.map(pick).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const report = {
  date: new Date().toISOString(),
  machine: machine(null),
  model: BENCH_MODELS[modelName].description,
  backend,
  dtype,
  documents: request.documents.length,
  document_tokens: `${Math.min(...workload.documentTokens)}–${Math.max(...workload.documentTokens)}`,
  rounds: results,
  median: {
    first_partial_ms: median((row) => row.first_partial_ms),
    full_answer_ms: median((row) => row.full_answer_ms),
    first_partial_share: round3(median((row) => row.first_partial_ms / row.full_answer_ms)),
    uncached_ms: median((row) => row.uncached_ms),
    cached_ms: median((row) => row.cached_ms),
    cache_speedup: round1(median((row) => row.uncached_ms / row.cached_ms)),
  },
};
save({ ...report, ...(previous.chromium ? { chromium: previous.chromium } : {}) });
log(JSON.stringify(report.median, null, 2));

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
