/**
 * Load test of `webrerank serve` on the tiny stand-in model, over loopback only.
 *
 * Starts the server as its own process with a per-key rate limit, hits POST /v1/rerank with the
 * hosted API's example from many connections (autocannon), and reports requests per second,
 * latency percentiles and status counts. The rate limit is set low enough that some requests are
 * refused with 429 on purpose; anything else that is not a 200 — a 5xx, a socket error, a
 * timeout, a request the server never answered — fails the run (exit code 1).
 *
 *   npm run bench:load                       # 50 connections × 30 s
 *   npm run bench:load -- --duration 5       # shorter
 *   npm run bench:load -- --rate-limit 100 --keys 5 --connections 50
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { generateStandinModel } from '../tools/standin/index.js';
import { HOSTED_EXAMPLE } from '../test/kit/documents.js';
import { startServeProcess } from '../test/kit/serve-process.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '30' },
    connections: { type: 'string', default: '50' },
    keys: { type: 'string', default: '5' },
    'rate-limit': { type: 'string', default: '10' },
    'rate-burst': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const keyCount = Number(values.keys);
const rateLimit = Number(values['rate-limit']);
const rateBurst = values['rate-burst'] ?? String(Math.max(1, Math.ceil(rateLimit)));

const keys = Array.from({ length: keyCount }, (_, index) => `sk-load-${index + 1}-${Math.random().toString(36).slice(2)}`);
const model = await generateStandinModel({ preset: 'tiny', out: resolve('bench/.models/tiny'), reuseExisting: true });

const server = await startServeProcess(['--model-path', model.dir, '--score-cache-mb', '0', '--port', '0', '--rate-limit', String(rateLimit), '--rate-burst', rateBurst], {
  WEBRERANK_API_KEYS: keys.join(','),
});
try {
  await waitUntilReady(server.url);
  const body = JSON.stringify(HOSTED_EXAMPLE);

  // Connections are spread over the keys round-robin, so each key's bucket sees its share.
  let nextKey = 0;
  const latencies = new Map<number, number[]>();
  const run = autocannon({
    url: `${server.url}/v1/rerank`,
    method: 'POST',
    connections,
    duration,
    timeout: 10,
    body,
    headers: { 'Content-Type': 'application/json' },
    setupClient: (client) => client.setHeaders({ 'Content-Type': 'application/json', Authorization: `Bearer ${keys[nextKey++ % keys.length]}` }),
  });
  run.on('response', (_client, status, _bytes, ms) => {
    const list = latencies.get(status) ?? [];
    list.push(ms);
    latencies.set(status, list);
  });
  const result = await run;
  // Let the last answers reach the log before counting them.
  await new Promise((done) => setTimeout(done, 500));

  const counts = Object.fromEntries(Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, count]));
  const answered = Object.values(counts).reduce((sum, count) => sum + count, 0);
  const logged = server.stdout.filter((line) => line.startsWith('POST /v1/rerank ')).length;
  const ok = latencies.get(200) ?? [];
  const limited = latencies.get(429) ?? [];
  const report = {
    setup: { connections, durationSeconds: duration, keys: keyCount, rateLimitPerKey: rateLimit, rateBurst: Number(rateBurst), model: 'tiny stand-in, q8, onnxruntime-node' },
    requestsPerSecond: { all: round(answered / result.duration), ok: round(ok.length / result.duration) },
    latencyMs: {
      all: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      ok: percentiles(ok),
      rateLimited: percentiles(limited),
    },
    statusCounts: counts,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    answeredByServer: logged,
  };

  const problems: string[] = [];
  for (const status of Object.keys(counts)) if (status !== '200' && status !== '429') problems.push(`${counts[status]} answers with status ${status}`);
  if (result.errors > 0) problems.push(`${result.errors} errors`);
  if (result.timeouts > 0) problems.push(`${result.timeouts} timeouts`);
  if (result.non2xx !== (counts['429'] ?? 0)) problems.push(`${result.non2xx} non-2xx answers, but only ${counts['429'] ?? 0} were 429s`);
  if (ok.length === 0) problems.push('no request succeeded');
  if (limited.length === 0) problems.push('no request was rate limited: lower --rate-limit to exercise the 429 path');
  // Requests still in flight when autocannon stops are answered but not counted by it.
  if (logged < answered || logged > answered + connections) problems.push(`the server logged ${logged} answers for ${answered} requests`);

  if (values.json) process.stdout.write(`${JSON.stringify({ ...report, problems }, null, 2)}\n`);
  else printReport(report, problems);
  process.exitCode = problems.length > 0 ? 1 : 0;
} finally {
  await server.stop();
}

async function waitUntilReady(url: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const response = await fetch(`${url}/health`).catch(() => undefined);
    if (response?.status === 200) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error('the server did not become ready within 60 s');
}

function percentiles(samples: number[]): { p50: number; p99: number; max: number } | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1] as number) };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function printReport(report: Record<string, unknown>, problems: string[]): void {
  process.stdout.write(`webrerank serve load test\n${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(problems.length === 0 ? 'OK: no errors other than the deliberate 429s.\n' : `FAILED:\n  ${problems.join('\n  ')}\n`);
}
