/**
 * What the limits store costs: `webrerank serve` on the tiny stand-in model, one replica, with a
 * rate limit and a quota high enough never to refuse (so every request takes a token, is charged
 * and settled with its tokens), against the memory, SQLite and Redis stores in turn. Reports
 * requests per second and p50/p99 latency of each, and the change against memory. Then the same
 * on a model of a realistic cost per request (`--realistic`, default l1v32k: one layer of
 * bge-reranker-v2-m3 at its full width), where the store's share of a request is what an operator
 * sees. Last, without the server, what each store's own steps of one request (admit: take a
 * token and charge; settle) cost, one request at a time: the latency a store adds, free of the model's noise.
 *
 *   npm run bench:stores                     # 32 connections, 3 rounds × 10 s per store
 *   npm run bench:stores -- --duration 5 --rounds 2 --realistic none
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { NO_USAGE, type LimitsStore } from '../src/server/limits-store.js';
import { openLimitsStore } from '../src/server/node/open-store.js';
import { HOSTED_EXAMPLE } from '../test/kit/documents.js';
import { startRedis } from '../test/kit/redis-process.js';
import { startServeProcess, untilHealthy } from '../test/kit/serve-process.js';
import { generateStandinModel } from '../tools/standin/index.js';
import { processTicks } from './cpu.js';
import { BENCH_MODELS, ensureModel, type BenchModelName } from './models.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    // Enough connections to keep one replica busy: what is measured is what a store costs the
    // replica's CPU; the round trip it adds shows in p50/p99, not as idle time between requests.
    connections: { type: 'string', default: '32' },
    'store-requests': { type: 'string', default: '2000' },
    realistic: { type: 'string', default: 'l1v32k' },
    out: { type: 'string', default: 'bench/results/stores.json' },
  },
});
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);

const realistic = values.realistic === 'none' ? undefined : (values.realistic as BenchModelName);
if (realistic !== undefined && !(realistic in BENCH_MODELS)) throw new Error(`--realistic must be none or one of ${Object.keys(BENCH_MODELS).join(', ')}`);
const tiny = await generateStandinModel({ preset: 'tiny', out: resolve('bench/.models/tiny'), reuseExisting: true });
const realisticDir = realistic === undefined ? undefined : await ensureModel(realistic, (line) => process.stderr.write(`${line}\n`));
// Redis as docs/deploy.md runs it: append-only, synced every second (Redis' default for it).
const redis = await startRedis({ appendfsync: 'everysec' });
const dir = await mkdtemp(join(tmpdir(), 'webrerank-bench-stores-'));
const stores = { memory: 'memory', sqlite: `sqlite:${join(dir, 'limits.sqlite')}`, redis: redis.url };
type Sample = { requestsPerSecond: number; p50: number; p99: number; serverCpuUsPerRequest: number; storeCpuUsPerRequest: number };
/** /proc counts CPU time in ticks of 1/100 s (USER_HZ, the same on every Linux). */
const MICROSECONDS_PER_TICK = 10_000;
const stepCosts: Record<string, { p50Us: number; p99Us: number }> = {};
let tinySamples: Record<string, Sample[]> = {};
let realisticSamples: Record<string, Sample[]> | undefined;

try {
  tinySamples = await measure('tiny', tiny.dir);
  // The score cache off: every request runs the model, as requests that differ do.
  if (realistic !== undefined && realisticDir !== undefined) realisticSamples = await measure(realistic, realisticDir, ['--score-cache-mb', '0']);
  for (const [name, url] of Object.entries(stores)) {
    const store = await openLimitsStore(url.startsWith('sqlite:') ? `sqlite:${join(dir, 'steps.sqlite')}` : url, { quotas: true });
    try {
      stepCosts[name] = await stepCost(store, Number(values['store-requests']));
    } finally {
      await store.close();
    }
  }
} finally {
  await redis.destroy();
  await rm(dir, { recursive: true, force: true });
}

/** Requests/s and latency of the server on `modelDir` with each store, the stores interleaved round by round. */
async function measure(label: string, modelDir: string, flags: string[] = []): Promise<Record<string, Sample[]>> {
  const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(stores).map((name) => [name, []]));
  // Rounds interleave the stores, so a change in the machine's load falls on all of them alike.
  for (let round = 0; round < rounds; round++) {
    for (const [name, url] of Object.entries(stores)) {
      const server = await startServeProcess(['--model-path', modelDir, '--port', '0', '--store', url, '--rate-limit', '1000000', '--quota-documents', '1000000000000', '--no-metrics', ...flags], {
        WEBRERANK_API_KEYS: 'sk-bench',
      });
      try {
        await untilHealthy(server.url);
        const options = { url: `${server.url}/v1/rerank`, method: 'POST' as const, connections, body: JSON.stringify(HOSTED_EXAMPLE), headers: { 'Content-Type': 'application/json', Authorization: 'Bearer sk-bench' } };
        await autocannon({ ...options, duration: 2 });
        const redisPid = name === 'redis' ? redis.pid() : undefined;
        const before = { server: processTicks(server.pid), store: redisPid === undefined ? 0 : processTicks(redisPid) };
        const result = await autocannon({ ...options, duration });
        const cpu = { server: processTicks(server.pid) - before.server, store: redisPid === undefined ? 0 : processTicks(redisPid) - before.store };
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${label} ${name}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
        const answered = result.requests.total;
        const sample = {
          requestsPerSecond: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          serverCpuUsPerRequest: (cpu.server * MICROSECONDS_PER_TICK) / answered,
          storeCpuUsPerRequest: (cpu.store * MICROSECONDS_PER_TICK) / answered,
        };
        samples[name]?.push(sample);
        process.stderr.write(
          `${label} round ${round + 1} ${name}: ${sample.requestsPerSecond} req/s, p50 ${sample.p50} ms, p99 ${sample.p99} ms, CPU per request: server ${Math.round(sample.serverCpuUsPerRequest)} µs, store ${Math.round(sample.storeCpuUsPerRequest)} µs\n`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  return samples;
}

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)] as number;
/** The median round of each store, and its change against memory's. */
function rowsOf(samples: Record<string, Sample[]>) {
  if (rounds === 0) return [];
  const summary = Object.entries(samples).map(([name, list]) => ({
    name,
    requestsPerSecond: median(list.map((s) => s.requestsPerSecond)),
    p50Ms: median(list.map((s) => s.p50)),
    p99Ms: median(list.map((s) => s.p99)),
    serverCpuUs: median(list.map((s) => s.serverCpuUsPerRequest)),
    storeCpuUs: median(list.map((s) => s.storeCpuUsPerRequest)),
  }));
  const memory = summary.find((s) => s.name === 'memory') as (typeof summary)[number];
  return summary.map((s) => ({
    store: s.name,
    requestsPerSecond: s.requestsPerSecond,
    changeVsMemoryPercent: Math.round((s.requestsPerSecond / memory.requestsPerSecond - 1) * 1000) / 10,
    p50Ms: s.p50Ms,
    p99Ms: s.p99Ms,
    addedP50Ms: Math.round((s.p50Ms - memory.p50Ms) * 10) / 10,
    addedP99Ms: Math.round((s.p99Ms - memory.p99Ms) * 10) / 10,
    serverCpuUsPerRequest: Math.round(s.serverCpuUs),
    // What one replica's own CPU can serve against memory: its CPU per request, inverted. Unlike
    // requests/s on a shared machine, it does not count the load generator's or Redis' CPU.
    replicaCapacityVsMemoryPercent: Math.round((memory.serverCpuUs / s.serverCpuUs - 1) * 1000) / 10,
    storeCpuUsPerRequest: Math.round(s.storeCpuUs),
  }));
}
const rows = rowsOf(tinySamples);
const realisticRows = realisticSamples && rowsOf(realisticSamples);
const report = {
  generated_at: new Date().toISOString(),
  command: `npm run bench:stores -- --duration ${duration} --rounds ${rounds} --connections ${connections} --realistic ${realistic ?? 'none'}`,
  node: process.version,
  model: 'tiny stand-in, q8, onnxruntime-node; the hosted API example (4 documents), repeated: answered from the score cache',
  rows,
  ...(realistic && realisticRows ? { realistic: { model: `${realistic} stand-in (${BENCH_MODELS[realistic].description}), q8, onnxruntime-node; the same request, score cache off`, rows: realisticRows } } : {}),
  storeStepsPerRequest: stepCosts,
};
await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
for (const [label, list] of [['tiny', rows], [realistic, realisticRows ?? []]] as const) {
  if (list.length === 0) continue;
  process.stdout.write(`\n${label}\n| Store | Requests/s | vs memory | p50 ms | p99 ms | server CPU µs/request | replica capacity vs memory | store CPU µs/request |\n|---|---|---|---|---|---|---|---|\n`);
  for (const row of list) {
    process.stdout.write(
      `| ${row.store} | ${row.requestsPerSecond} | ${row.changeVsMemoryPercent} % | ${row.p50Ms} | ${row.p99Ms} | ${row.serverCpuUsPerRequest} | ${row.replicaCapacityVsMemoryPercent} % | ${row.storeCpuUsPerRequest} |\n`,
    );
  }
}
for (const [name, cost] of Object.entries(stepCosts)) process.stdout.write(`${name}: the store's steps of one request take p50 ${cost.p50Us} µs, p99 ${cost.p99Us} µs\n`);

/** p50/p99 in µs of one request's store steps (admit: token and charge; settle), run `count` times in a row. */
async function stepCost(store: LimitsStore, count: number): Promise<{ p50Us: number; p99Us: number }> {
  const times: number[] = [];
  const day = new Date().toISOString().slice(0, 10);
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    await store.admit({ bucket: 'rate:bench', limit: { requestsPerSecond: 1e9, burst: 1e9 } }, 'bench', day, { ...NO_USAGE, requests: 1, documents: 4, searchUnits: 1 }, { documents: 1e12 });
    await store.settle('bench', day, NO_USAGE, { ...NO_USAGE, tokens: 60 });
    times.push((performance.now() - started) * 1000);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] as number);
  return { p50Us: at(0.5), p99Us: at(0.99) };
}
