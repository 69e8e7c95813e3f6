/**
 * How well `webrerank serve` keeps answering while it works: the 5 MB request (1,000
 * documents × 5,000 characters without spaces) sent by curl, `GET /health` probed every 10 ms
 * until it is answered, and a small rerank sent early to see that it passes the big one. Used by
 * test/timing/server-responsiveness.test.ts and bench/responsiveness.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
