/**
 * The stream bench's Chromium part (`npm run bench:stream -- --chromium`): a q8 model — by default
 * the full-size one (24 layers, generated) — in headless Chromium through the library's `createReranker()` — its
 * worker, WASM, the page's default options, except that the score cache is off so that every call
 * runs the model. After one small warm-up call, each round ranks the 100-document request twice in
 * the same session, with `rerankStream()` (when each partial arrives, and the last item) and with
 * `rerank()`; the two take turns going first, round by round.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { RerankRequest } from '../src/core/contract.js';
import type { BrowserRerankerOptions } from '../src/index.js';
import { launchChromiumWithProfile } from '../test/kit/chromium.js';
import { BENCH_MODELS_PREFIX, round } from './core.js';
import { BENCH_MODELS, ensureModel, type BenchModelName } from './models.js';
import { machine } from './report.js';
import { startChromiumHost } from './sessions.js';
import { makeWorkload, WORKLOADS } from './workloads.js';

type StreamBench = NonNullable<Window['streamBench']>;
type Ranking = Awaited<ReturnType<StreamBench['rerank']>>['ranking'];

export interface ChromiumStreamRound {
  /** Which call ran first this round. */
  first: 'stream' | 'rerank';
  first_partial_ms: number;
  /** `rerankStream()`'s last item, the full answer. */
  full_answer_ms: number;
  /** When each partial arrived (ms after the call) and how many documents it had scored. */
  partial_ms: number[];
  partial_scored: number[];
  rerank_ms: number;
  /** The stream's last item ranks exactly as `rerank()` does, with the same scores. */
  final_equals_rerank: boolean;
  load_average: number;
}

/** What `chromium` in bench/results/stream.json holds. */
export interface ChromiumStreamResult {
  date: string;
  machine: ReturnType<typeof machine>;
  model: string;
  runtime: string;
  documents: number;
  document_tokens: string;
  load_s: number;
  warm_up_ms: number;
  rounds: ChromiumStreamRound[];
  fastest: ChromiumStreamFastest;
}

/**
 * The least disturbed figures of the rounds: each time is the fastest the rounds measured (other
 * processes only ever slow a call down), the ratios are of those, and the partials are the round's
 * with the fastest full answer.
 */
export interface ChromiumStreamFastest {
  first_partial_ms: number;
  full_answer_ms: number;
  rerank_ms: number;
  first_partial_share: number;
  full_answer_vs_rerank: number;
  partials: number;
  /** Documents ranked when half the time to the full answer had passed. */
  scored_at_half_time: number;
}

export function fastestOf(rounds: ChromiumStreamRound[]): ChromiumStreamFastest {
  const fastest = (pick: (row: ChromiumStreamRound) => number) => Math.min(...rounds.map(pick));
  const firstPartial = fastest((row) => row.first_partial_ms);
  const fullAnswer = fastest((row) => row.full_answer_ms);
  const rerank = fastest((row) => row.rerank_ms);
  const quickest = rounds.find((row) => row.full_answer_ms === fullAnswer) as ChromiumStreamRound;
  return {
    first_partial_ms: firstPartial,
    full_answer_ms: fullAnswer,
    rerank_ms: rerank,
    first_partial_share: round(firstPartial / fullAnswer, 3),
    full_answer_vs_rerank: round(fullAnswer / rerank, 3),
    partials: quickest.partial_ms.length,
    scored_at_half_time: scoredAtHalfTime(quickest),
  };
}

const WARM_UP = makeWorkload('stream-warm-up', 3, 16, 32, 3);

/**
 * Runs the rounds; `onRound` gets the result so far after each one, so that a run cut short (a busy
 * machine makes a round take many minutes) keeps the rounds it finished.
 */
export async function runChromiumStreamBench(modelName: BenchModelName, rounds: number, log: (line: string) => void, onRound: (result: ChromiumStreamResult) => void): Promise<ChromiumStreamResult> {
  const model = BENCH_MODELS[modelName];
  await ensureModel(modelName, log);
  const workload = WORKLOADS.docs100();
  const request: RerankRequest = { model: 'bench', query: workload.query, documents: workload.documents };
  const options: BrowserRerankerOptions = {
    models: [{ id: 'bench', source: { path: `${BENCH_MODELS_PREFIX}/${model.name}` } }],
    device: 'wasm',
    dtype: 'q8',
    // A benchmark must not fill the browser's storage with the model's weights.
    cache: false,
    // The same request runs twice a round: both calls must run the model.
    scoreCacheBytes: 0,
  };
  const host = await startChromiumHost();
  const profile = mkdtempSync(join(tmpdir(), 'webrerank-bench-stream-'));
  let context: BrowserContext | undefined;
  try {
    context = await launchChromiumWithProfile(profile);
    const page: Page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => void ((message.type() === 'error' || message.type() === 'info') && log(`    [page] ${message.text().slice(0, 300)}`)));
    await page.goto(new URL('bench/page/stream.html', host.url).href);
    await page.waitForFunction(() => window.streamBench !== undefined, null, { timeout: 120_000 });
    const opened = await page.evaluate((o) => (window.streamBench as StreamBench).open(o as BrowserRerankerOptions), options);
    log(`  chromium: ready in ${(opened.ms / 1000).toFixed(1)} s (${opened.worker} worker, ${opened.backend}/${opened.dtype}, ${opened.threads} thread(s))`);
    const runRerank = (r: RerankRequest) => page.evaluate((r) => (window.streamBench as StreamBench).rerank(r), r);
    const runStream = (r: RerankRequest) => page.evaluate((r) => (window.streamBench as StreamBench).stream(r), r);
    const warmUp = await runRerank({ model: 'bench', query: WARM_UP.query, documents: WARM_UP.documents });
    log(`  chromium: warm-up of ${WARM_UP.documents.length} documents in ${(warmUp.ms / 1000).toFixed(1)} s`);

    const results: ChromiumStreamRound[] = [];
    const summary = (): ChromiumStreamResult => ({
      date: new Date().toISOString(),
      machine: machine(host.version),
      model: model.description,
      runtime: `createReranker() in headless Chromium: ${opened.worker} worker, ${opened.backend}/${opened.dtype}, ${opened.threads} thread(s), cross-origin isolated: ${opened.cross_origin_isolated}`,
      documents: request.documents.length,
      document_tokens: `${Math.min(...workload.documentTokens)}–${Math.max(...workload.documentTokens)}`,
      load_s: round(opened.ms / 1000),
      warm_up_ms: round(warmUp.ms),
      rounds: results,
      fastest: fastestOf(results),
    });
    for (let index = 0; index < rounds; index++) {
      const first = index % 2 === 0 ? 'stream' : 'rerank';
      let streamed: Awaited<ReturnType<typeof runStream>>;
      let ranked: Awaited<ReturnType<typeof runRerank>>;
      if (first === 'stream') {
        streamed = await runStream(request);
        ranked = await runRerank(request);
      } else {
        ranked = await runRerank(request);
        streamed = await runStream(request);
      }
      const row: ChromiumStreamRound = {
        first,
        first_partial_ms: round(streamed.partials[0]?.ms ?? streamed.done_ms),
        full_answer_ms: round(streamed.done_ms),
        partial_ms: streamed.partials.map((partial) => round(partial.ms)),
        partial_scored: streamed.partials.map((partial) => partial.scored),
        rerank_ms: round(ranked.ms),
        final_equals_rerank: sameRanking(streamed.ranking, ranked.ranking),
        load_average: round(loadavg()[0] as number, 2),
      };
      results.push(row);
      log(`  chromium round ${index + 1} (${first} first): first partial ${seconds(row.first_partial_ms)} s of ${seconds(row.full_answer_ms)} s (${row.partial_ms.length} partials); rerank() ${seconds(row.rerank_ms)} s; same answer: ${row.final_equals_rerank}`);
      onRound(summary());
    }
    await page.evaluate(() => (window.streamBench as StreamBench).dispose());
    return summary();
  } finally {
    await context?.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
    await host.close();
  }
}

/** Documents the stream had ranked when half the time to its full answer had passed. */
function scoredAtHalfTime(row: ChromiumStreamRound): number {
  const half = row.full_answer_ms / 2;
  return row.partial_scored.filter((_, index) => (row.partial_ms[index] as number) <= half).at(-1) ?? 0;
}

function sameRanking(a: Ranking, b: Ranking): boolean {
  return a.length === b.length && a.every(([index, score], position) => b[position]?.[0] === index && b[position]?.[1] === score);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
