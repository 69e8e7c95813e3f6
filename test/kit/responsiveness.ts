/**
 * How well `webrerank serve` keeps answering while it works: the 5 MB request (1,000
 * documents × 5,000 characters without spaces) sent by curl, `GET /health` probed every 10 ms
 * until it is answered, and a small rerank sent early to see that it passes the big one. Used by
 * test/timing/server-responsiveness.test.ts and bench/responsiveness.ts. Below, how long a server
 * held its event loop — measured by itself (`/metrics`) or in this process — for the hostile-input
 * tests (test/server/hostile-input.test.ts, test/timing/hostile-bodies.test.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mixedDocuments } from './documents.js';

const run = promisify(execFile);

/**
 * The request as a JSON body: 1,000 documents × 5,000 characters without spaces, ~5 MB
 * (or its first `count` documents).
 */
export function fiveMegabyteRequest(count = 1000): string {
  const documents = mixedDocuments(count, 900, 1000, 5).map((text) => text.replace(/ /g, '').slice(0, 5000));
  return JSON.stringify({ model: 'BAAI/bge-reranker-v2-m3', query: 'machine learning', documents });
}

export interface ResponsivenessRun {
  /** The big request's HTTP status, as curl saw it. */
  bigStatus: string;
  bigMs: number;
  /** Every `/health` wait, sorted, in ms; each probe was answered 200 or the run failed. */
  latencies: number[];
  smallStatus: number | undefined;
  /** Whether the small rerank was answered before the big one. */
  smallDoneFirst: boolean | undefined;
}

/** The `q` quantile (0..1) of sorted values. */
export function quantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
}

/**
 * Sends the 5 MB request (or its first `documents`) to `url`, a ready server, and probes
 * `/health` until it is answered.
 */
export async function probeDuringBigRerank(url: string, documents = 1000): Promise<ResponsivenessRun> {
  const file = join(await mkdtemp(join(tmpdir(), 'webrerank-')), 'big.json');
  await writeFile(file, fiveMegabyteRequest(documents));
  const started = performance.now();
  let bigMs: number | undefined;
  const big = run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Content-Type: application/json', '--data-binary', `@${file}`, `${url}/v1/rerank`]).then(({ stdout }) => {
    bigMs = performance.now() - started;
    return stdout;
  });

  const latencies: number[] = [];
  let small: Promise<number> | undefined;
  let smallDoneFirst: boolean | undefined;
  while (bigMs === undefined) {
    const probeStarted = performance.now();
    const health = await fetch(`${url}/health`);
    await health.text();
    if (health.status !== 200) throw new Error(`GET /health answered ${health.status} during the big rerank`);
    latencies.push(performance.now() - probeStarted);
    if (!small && latencies.length === 5) {
      const body = JSON.stringify({ model: 'BAAI/bge-reranker-v2-m3', query: 'fox', documents: ['a fox', 'a dog'] });
      small = fetch(`${url}/v1/rerank`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }).then(async (response) => {
        await response.text();
        smallDoneFirst ??= bigMs === undefined;
        return response.status;
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const bigStatus = await big;
  const smallStatus = await small;
  return { bigStatus, bigMs: bigMs ?? Number.NaN, latencies: latencies.sort((a, b) => a - b), smallStatus, smallDoneFirst };
}

/** How often prom-client's event-loop monitor ticks (its default `eventLoopMonitoringPrecision`). */
const LOOP_MONITOR_RESOLUTION_MS = 10;

/**
 * The longest the server at `url` held its event loop since the previous call, in ms: its own
 * `nodejs_eventloop_lag_max_seconds` (prom-client resets it at every scrape of `/metrics`), less
 * the monitor's tick. Measured inside the server, so a loaded client machine does not add to it.
 */
export async function serverLoopDelayMs(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^webrerank_nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
  if (!match?.[1]) throw new Error('the server reports no nodejs_eventloop_lag_max_seconds');
  return Math.max(0, Number(match[1]) * 1000 - LOOP_MONITOR_RESOLUTION_MS);
}

/** Polls `GET /health` at `url` until `done` settles, each answer 200; the slowest wait in ms. */
export async function slowestHealthWhile(url: string, done: Promise<unknown>): Promise<number> {
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  let slowest = 0;
  while (!finished) {
    const started = performance.now();
    const response = await fetch(`${url}/health`);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`GET /health answered ${response.status} while the server worked`);
    slowest = Math.max(slowest, performance.now() - started);
  }
  return slowest;
}

/**
 * Runs `work` and says the longest this process's event loop was held meanwhile, in ms — for a
 * server started in the test's own process, what it added to every request's wait.
 */
export async function loopHeldDuring<T>(work: () => Promise<T>): Promise<{ value: T; heldMs: number }> {
  const monitor = monitorEventLoopDelay({ resolution: LOOP_MONITOR_RESOLUTION_MS });
  monitor.enable();
  // Two ticks first: the monitor records nothing for the interval it was enabled in.
  await new Promise((resolve) => setTimeout(resolve, 2.5 * LOOP_MONITOR_RESOLUTION_MS));
  try {
    const value = await work();
    return { value, heldMs: Math.max(0, monitor.max / 1e6 - LOOP_MONITOR_RESOLUTION_MS) };
  } finally {
    monitor.disable();
  }
}

/**
 * Runs `attempt` up to `tries` times, until one held the event loop at most `boundMs`; returns
 * that one, or the least held. A stall of the server's own work comes back on every try; a pause
 * of a loaded machine (another process scheduled on the core) does not.
 */
export async function leastHeld<T>(tries: number, boundMs: number, attempt: () => Promise<{ value: T; heldMs: number }>): Promise<{ value: T; heldMs: number; tries: number }> {
  let best: { value: T; heldMs: number } | undefined;
  for (let tried = 1; tried <= tries; tried++) {
    const result = await attempt();
    if (best === undefined || result.heldMs < best.heldMs) best = result;
    if (best.heldMs <= boundMs) return { ...best, tries: tried };
  }
  return { ...(best as { value: T; heldMs: number }), tries };
}
