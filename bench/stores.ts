/**
 * What the limits store costs: `webrerank serve` on the tiny stand-in model, one replica, with a
 * rate limit and a quota high enough never to refuse (so every request takes a token, is charged
 * and has its tokens recorded), against the memory, SQLite and Redis stores in turn. Reports
 * requests per second and p50/p99 latency of each, and the change against memory. Then, without
 * the server, what each store's own steps of one request (take a token, charge, record tokens)
 * cost, one request at a time: the latency a store adds, free of the model's noise.
 *
 *   npm run bench:stores                     # 8 connections, 3 rounds × 10 s per store
 *   npm run bench:stores -- --duration 5 --rounds 2
 *
 * SQLite needs Node.js 22.13 or later (node:sqlite); on an older Node its rows say so.
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

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    'store-requests': { type: 'string', default: '2000' },
    out: { type: 'string', default: 'bench/results/stores.json' },
  },
});
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);

const hasSqlite = await import('node:sqlite').then(
  () => true,
  () => false,
);
const model = await generateStandinModel({ preset: 'tiny', out: resolve('bench/.models/tiny'), reuseExisting: true });
const redis = await startRedis();
const dir = await mkdtemp(join(tmpdir(), 'webrerank-bench-stores-'));
const stores = { memory: 'memory', ...(hasSqlite ? { sqlite: `sqlite:${join(dir, 'limits.sqlite')}` } : {}), redis: redis.url };
type Sample = { requestsPerSecond: number; p50: number; p99: number };
const stepCosts: Record<string, { p50Us: number; p99Us: number }> = {};
const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(stores).map((name) => [name, []]));

try {
  // Rounds interleave the stores, so a change in the machine's load falls on all of them alike.
  for (let round = 0; round < rounds; round++) {
    for (const [name, url] of Object.entries(stores)) {
      const server = await startServeProcess(['--model-path', model.dir, '--port', '0', '--store', url, '--rate-limit', '1000000', '--quota-documents', '1000000000000', '--no-metrics'], {
        WEBRERANK_API_KEYS: 'sk-bench',
      });
      try {
        await untilHealthy(server.url);
        const options = { url: `${server.url}/v1/rerank`, method: 'POST' as const, connections, body: JSON.stringify(HOSTED_EXAMPLE), headers: { 'Content-Type': 'application/json', Authorization: 'Bearer sk-bench' } };
        await autocannon({ ...options, duration: 2 });
        const result = await autocannon({ ...options, duration });
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
        samples[name]?.push({ requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 });
        process.stderr.write(`round ${round + 1} ${name}: ${result.requests.average} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms\n`);
      } finally {
        await server.stop();
      }
    }
  }
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

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)] as number;
const summary = Object.fromEntries(
  Object.entries(samples).map(([name, list]) => [name, { requestsPerSecond: median(list.map((s) => s.requestsPerSecond)), p50Ms: median(list.map((s) => s.p50)), p99Ms: median(list.map((s) => s.p99)), rounds: list }]),
);
const memory = summary.memory as { requestsPerSecond: number; p50Ms: number; p99Ms: number };
// `--rounds 0` measures only the store steps below.
const rows = Object.entries(summary).filter(() => rounds > 0).map(([name, s]) => ({
  store: name,
  requestsPerSecond: s.requestsPerSecond,
  changeVsMemoryPercent: Math.round((s.requestsPerSecond / memory.requestsPerSecond - 1) * 1000) / 10,
  p50Ms: s.p50Ms,
  p99Ms: s.p99Ms,
  addedP50Ms: Math.round((s.p50Ms - memory.p50Ms) * 10) / 10,
  addedP99Ms: Math.round((s.p99Ms - memory.p99Ms) * 10) / 10,
}));
const report = {
  generated_at: new Date().toISOString(),
  command: `npm run bench:stores -- --duration ${duration} --rounds ${rounds} --connections ${connections}`,
  node: process.version,
  model: 'tiny stand-in, q8, onnxruntime-node; the hosted API example (4 documents)',
  rows,
  storeStepsPerRequest: stepCosts,
  ...(hasSqlite ? {} : { sqlite: `not measured: node:sqlite needs Node.js 22.13 or later (this is ${process.version})` }),
};
await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`| Store | Requests/s | vs memory | p50 ms | p99 ms |\n|---|---|---|---|---|\n`);
for (const row of rows) process.stdout.write(`| ${row.store} | ${row.requestsPerSecond} | ${row.changeVsMemoryPercent} % | ${row.p50Ms} | ${row.p99Ms} |\n`);
for (const [name, cost] of Object.entries(stepCosts)) process.stdout.write(`${name}: the store's steps of one request take p50 ${cost.p50Us} µs, p99 ${cost.p99Us} µs\n`);

/** p50/p99 in µs of one request's store steps (token, charge, record), run `count` times in a row. */
async function stepCost(store: LimitsStore, count: number): Promise<{ p50Us: number; p99Us: number }> {
  const times: number[] = [];
  const day = new Date().toISOString().slice(0, 10);
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    await store.takeToken('rate:bench', { requestsPerSecond: 1e9, burst: 1e9 });
    await store.charge('bench', day, { ...NO_USAGE, requests: 1, documents: 4, searchUnits: 1 }, { documents: 1e12 });
    await store.record('bench', day, { ...NO_USAGE, tokens: 60 });
    times.push((performance.now() - started) * 1000);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] as number);
  return { p50Us: at(0.5), p99Us: at(0.99) };
}
