/**
 * The full-size section's shared-model part: two tabs of one origin, both with
 * `createReranker({ shared: true })`, in one browser. Measured: each tab's time to ready and to
 * its first ranking of a small request (3 documents of 16–32 tokens), and the browser's memory —
 * the sum over all of its processes, PSS and RSS, from /proc — with one tab, with the second tab's
 * page open, with it ready and after it ranked. A second copy of the model would grow the browser
 * by more than the model file; the shared worker should grow it by about a page. As the control, a
 * third tab then asks for `shared: false` — a dedicated worker with a model of its own — and the
 * browser's growth for that second copy is measured the same way.
 *
 * The model cache is off: the first tab's load is a plain network load (the section's cold and
 * warm loads measure the cache), and the profile needs no 569 MB written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { BrowserRerankerOptions } from '../src/index.js';
import type { RerankRequest } from '../src/core/contract.js';
import { launchChromiumWithProfile } from '../test/kit/chromium.js';
import { collectGarbageEverywhere } from '../test/kit/browser-gc.js';
import { settledProcessesMemory, type ProcessesMemory } from '../test/kit/process-memory.js';
import { BENCH_MODELS_PREFIX, round } from './core.js';
import { modelFileBytes } from './models.js';
import type { ChromiumHost } from './sessions.js';
import { makeWorkload } from './workloads.js';

/** A tab's times, seconds. */
export interface SharedTabTimes {
  ready_s: number;
  first_rank_s: number;
  /** Load progress statuses the tab heard (a joining tab: only `ready`). */
  statuses: string[];
}

/** What the shared-model part adds to `full_size_q8`. */
export interface SharedTabResult {
  /** The second tab's `createReranker({ shared: true })` until ready; null when not measured. */
  shared_second_tab_load_s: number | null;
  /** The second tab's first ranking of 3 short documents. */
  shared_second_tab_first_rank_s: number | null;
  shared_first_tab: SharedTabTimes | null;
  shared_second_tab: SharedTabTimes | null;
  /** The browser's processes together (PSS, RSS sums, MiB) at each step. */
  shared_browser_memory_mib: Record<'one_tab' | 'second_page_open' | 'second_tab_ready' | 'second_tab_ranked' | 'third_tab_dedicated_ranked', ProcessesMemory> | null;
  /** PSS growth from one tab to two tabs that ranked, and that over the model file's size. */
  shared_second_tab_growth_pss_mib: number | null;
  shared_second_tab_growth_vs_model: number | null;
  /** The control: a third tab with `shared: false` loads a second copy; its time to ready and PSS growth. */
  dedicated_third_tab_load_s: number | null;
  dedicated_third_tab_growth_pss_mib: number | null;
  dedicated_third_tab_growth_vs_model: number | null;
  /** The worker and threads both tabs reported. */
  shared_worker: string | null;
  shared_second_tab_note: string;
  shared_error?: string;
  shared_load_avg_1m: number[];
}

const REQUEST_WORKLOAD = makeWorkload('shared-small', 3, 16, 32, 3);

async function openTab(context: BrowserContext, host: ChromiumHost): Promise<Page> {
  const page = await context.newPage();
  await page.goto(new URL('bench/page/shared-tab.html', host.url).href);
  await page.waitForFunction(() => window.sharedTab !== undefined, null, { timeout: 120_000 });
  return page;
}

async function createIn(page: Page, options: BrowserRerankerOptions) {
  return page.evaluate((options) => (window.sharedTab as NonNullable<Window['sharedTab']>).open(options as BrowserRerankerOptions), options);
}

async function rankIn(page: Page, request: RerankRequest): Promise<number> {
  return (await page.evaluate((request) => (window.sharedTab as NonNullable<Window['sharedTab']>).rank(request), request)).ms;
}


const seconds = (ms: number) => round(ms / 1000, 2);

/** Runs the two tabs in a fresh browser; a failure is recorded in `shared_error`, not thrown. */
export async function runSharedTabBench(host: ChromiumHost, modelDir: string, log: (line: string) => void, loadAvg: () => number): Promise<SharedTabResult> {
  const modelMib = modelFileBytes(modelDir, 'q8') / 2 ** 20;
  const options: BrowserRerankerOptions = { models: [{ id: 'bench', source: { path: `${BENCH_MODELS_PREFIX}/full` } }], device: 'wasm', dtype: 'q8', shared: true, cache: false };
  const request: RerankRequest = { model: 'bench', query: REQUEST_WORKLOAD.query, documents: REQUEST_WORKLOAD.documents };
  const loadAvgs = [round(loadAvg(), 2)];
  const profile = mkdtempSync(join(tmpdir(), 'webrerank-bench-shared-'));
  let context: BrowserContext | undefined;
  log('> fullsize: two tabs, createReranker({ shared: true })');
  try {
    context = await launchChromiumWithProfile(profile);
    const first = await openTab(context, host);
    // After a full GC in every page and worker (see browser-gc.ts), settled.
    const settled = () => settledProcessesMemory(profile, () => collectGarbageEverywhere(context as BrowserContext));
    const firstOpen = await createIn(first, options);
    const firstRank = await rankIn(first, request);
    log(`    first tab: ready in ${(firstOpen.ms / 1000).toFixed(1)} s (${firstOpen.worker}, ${firstOpen.threads} thread(s)), first ranking ${(firstRank / 1000).toFixed(2)} s`);
    loadAvgs.push(round(loadAvg(), 2));
    const oneTab = await settled();
    const second = await openTab(context, host);
    const secondPageOpen = await settled();
    const secondOpen = await createIn(second, options);
    const secondReady = await settled();
    const secondRank = await rankIn(second, request);
    const secondRanked = await settled();
    loadAvgs.push(round(loadAvg(), 2));
    const growth = secondRanked.pssMib - oneTab.pssMib;
    log(`    second tab: ready in ${(secondOpen.ms / 1000).toFixed(2)} s, first ranking ${(secondRank / 1000).toFixed(2)} s; browser PSS ${oneTab.pssMib} → ${secondRanked.pssMib} MiB (${growth} MiB; model file ${modelMib.toFixed(0)} MiB)`);
    const third = await openTab(context, host);
    const thirdOpen = await createIn(third, { ...options, shared: false });
    await rankIn(third, request);
    const thirdRanked = await settled();
    loadAvgs.push(round(loadAvg(), 2));
    const copyGrowth = thirdRanked.pssMib - secondRanked.pssMib;
    log(`    control, a third tab with shared: false (${thirdOpen.worker}): ready in ${(thirdOpen.ms / 1000).toFixed(1)} s; browser PSS ${secondRanked.pssMib} → ${thirdRanked.pssMib} MiB (${copyGrowth} MiB)`);
    return {
      shared_second_tab_load_s: seconds(secondOpen.ms),
      shared_second_tab_first_rank_s: seconds(secondRank),
      shared_first_tab: { ready_s: seconds(firstOpen.ms), first_rank_s: seconds(firstRank), statuses: firstOpen.statuses },
      shared_second_tab: { ready_s: seconds(secondOpen.ms), first_rank_s: seconds(secondRank), statuses: secondOpen.statuses },
      shared_browser_memory_mib: { one_tab: oneTab, second_page_open: secondPageOpen, second_tab_ready: secondReady, second_tab_ranked: secondRanked, third_tab_dedicated_ranked: thirdRanked },
      shared_second_tab_growth_pss_mib: growth,
      shared_second_tab_growth_vs_model: round(growth / modelMib, 2),
      dedicated_third_tab_load_s: seconds(thirdOpen.ms),
      dedicated_third_tab_growth_pss_mib: copyGrowth,
      dedicated_third_tab_growth_vs_model: round(copyGrowth / modelMib, 2),
      shared_worker: `${firstOpen.worker}/${secondOpen.worker}, ${firstOpen.backend}/${firstOpen.dtype}, ${firstOpen.threads} thread(s)`,
      shared_second_tab_note: `two tabs of one origin in one headless Chromium, both createReranker({ shared: true, device: 'wasm', cache: false }); each ranks ${request.documents.length} documents of ${Math.min(...REQUEST_WORKLOAD.documentTokens)}–${Math.max(...REQUEST_WORKLOAD.documentTokens)} tokens; memory is the sum over every process of the browser (PSS splits shared pages), read after a full GC in every page and worker (DevTools' HeapProfiler.collectGarbage) once settled; the control, a third tab with shared: false, loads a second copy in a dedicated worker`,
      shared_load_avg_1m: loadAvgs,
    };
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] as string) : String(error);
    log(`    shared tabs FAILED: ${message}`);
    return {
      shared_second_tab_load_s: null,
      shared_second_tab_first_rank_s: null,
      shared_first_tab: null,
      shared_second_tab: null,
      shared_browser_memory_mib: null,
      shared_second_tab_growth_pss_mib: null,
      shared_second_tab_growth_vs_model: null,
      dedicated_third_tab_load_s: null,
      dedicated_third_tab_growth_pss_mib: null,
      dedicated_third_tab_growth_vs_model: null,
      shared_worker: null,
      shared_second_tab_note: 'failed',
      shared_error: message,
      shared_load_avg_1m: loadAvgs,
    };
  } finally {
    await context?.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }
}
