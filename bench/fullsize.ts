/**
 * The full-size section: bge-reranker-v2-m3's dimensions (24 layers, q8, 569 MB) in Chromium, as a
 * user gets it. Three browsers, one after another, so each renderer's memory is its own:
 *
 * 1. cold: webrerank's `createReranker` with its model cache on, an empty profile, the model served
 *    by the app's (Vite) server.
 * 2. raw: onnxruntime-web building the same session from the file's bytes already in memory —
 *    the floor a load from any cache can reach.
 * 3. warm: a fresh browser on the cold one's profile: the model comes from the OPFS cache
 *    (warm_load_vs_raw = warm / raw); then reranks of 20 documents × ~256 tokens, the renderer's
 *    RSS read after each, to see whether it grows.
 * 4. shared: two tabs with `createReranker({ shared: true })` (bench/fullsize-shared.ts): the
 *    second tab's time to ready, and the browser's memory before and after it joins.
 *
 * The reranks come last so that a short run (a busy machine: a rerank took 4 min at load 12) still
 * measures the loads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { round, type LoadInfo, type VariantSpec } from './core.js';
import { runSharedTabBench, type SharedTabResult } from './fullsize-shared.js';
import { modelFileBytes } from './models.js';
import { openChromiumSession, type ChromiumHost, type Session } from './sessions.js';

/** Reranks after the first, in the warm browser, for the RSS-growth check (`--full-size-reranks`). */
export const FULL_SIZE_RERANKS = 10;

const WEBRERANK: VariantSpec = { env: 'chromium-wasm', approach: 'webrerank', model: 'full', dtype: 'q8', workload: 'docs20x256', cache: true };

/** What `full_size_q8` in the results file holds. */
export interface FullSizeResult extends SharedTabResult {
  status: 'ok' | 'failed';
  error?: string;
  model_bytes: number;
  documents: number;
  /** createReranker until ready: model from the app's server, empty cache. */
  cold_load_s: number | null;
  /** The same in a fresh browser on the same profile: the model from the OPFS cache. */
  warm_load_s: number | null;
  /** onnxruntime-web's InferenceSession.create from the model's bytes already in memory. */
  raw_session_create_s: number | null;
  warm_load_vs_raw: number | null;
  /** Where the warm load's files came from, as its progress events said ('file: cache'). */
  warm_load_sources: string[];
  /**
   * The warm load in phases (s): worker start + probe + plan, reading and checking the files,
   * tokenizer + session build, and 'ready' to createReranker's answer.
   */
  warm_load_phases_s: Record<string, number> | null;
  first_rerank_s: number | null;
  rerank_p50_s: number | null;
  reranks: number;
  /** The larger renderer peak (VmHWM) of the two browsers below. */
  peak_rss_mib: number | null;
  peak_rss_vs_file: number | null;
  /** Renderer peak of the cold load. */
  cold_peak_rss_mib: number | null;
  /** Renderer peak of the warm load and every rerank after it. */
  warm_peak_rss_mib: number | null;
  /** Renderer peak while reranking only (VmHWM reset after the warm load, where permitted). */
  rerank_peak_rss_mib: number | null;
  /** Renderer RSS after the first rerank and after each later one. */
  rss_after_reranks_mib: (number | null)[];
  /** Last minus first of rss_after_reranks_mib. */
  rss_growth_over_reranks_mib: number | null;
  load_avg_1m: number[];
}

const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : round(ms / 1000, 1));

/** Runs the three browsers; any failure is recorded, not thrown, and later steps still run. */
export async function runFullSizeBench(host: ChromiumHost, modelDir: string, log: (line: string) => void, loadAvg: () => number, reranks = FULL_SIZE_RERANKS): Promise<FullSizeResult> {
  const modelBytes = modelFileBytes(modelDir, 'q8');
  const errors: string[] = [];
  const loadAvgs: number[] = [round(loadAvg(), 2)];
  const profile = mkdtempSync(join(tmpdir(), 'webrerank-bench-full-'));
  const withSession = async <T>(what: string, spec: VariantSpec, sharedProfile: string | undefined, work: (session: Session) => Promise<T>): Promise<T | null> => {
    log(`> fullsize: ${what}`);
    const session = openChromiumSession(host, spec, log, sharedProfile);
    try {
      return await work(session);
    } catch (error) {
      errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      log(`    ${what} FAILED: ${errors.at(-1)}`);
      return null;
    } finally {
      loadAvgs.push(round(loadAvg(), 2));
      await session.close();
    }
  };
  const load = async (session: Session): Promise<{ ms: number; info: LoadInfo }> => {
    const reply = await session.load();
    if (!reply.ok) throw new Error(`load failed: ${reply.error}`);
    log(`    loaded in ${(reply.ms / 1000).toFixed(1)} s`);
    return { ms: reply.ms, info: reply.value as LoadInfo };
  };
  const rerank = async (session: Session): Promise<number> => {
    const reply = await session.call(false);
    if (!reply.ok) throw new Error(`rerank failed: ${reply.error}`);
    return reply.ms;
  };

  try {
    const cold = await withSession('cold load (app server, empty cache)', WEBRERANK, profile, async (session) => {
      const loaded = await load(session);
      const peak = session.peakRssMib().overall;
      await session.dispose();
      return { loadMs: loaded.ms, peak };
    });
    const raw = await withSession('raw: onnxruntime-web session from the bytes in memory', { ...WEBRERANK, approach: 'raw', cache: false }, undefined, async (session) => {
      const loaded = await load(session);
      await session.dispose();
      const ms = loaded.info.notes?.session_create_ms;
      if (typeof ms !== 'number') throw new Error('the raw runner did not report session_create_ms');
      log(`    session created in ${(ms / 1000).toFixed(1)} s`);
      return ms;
    });
    const warm = await withSession('warm load (fresh browser, same profile: the OPFS cache), then reranks', WEBRERANK, profile, async (session) => {
      const loaded = await load(session);
      // From here the peak is the reranks' own (the load's stays in the overall peak).
      session.startCalls();
      const runs: number[] = [];
      const rss: (number | null)[] = [];
      for (let index = 0; index <= reranks; index++) {
        runs.push(await rerank(session));
        rss.push(session.rssMib());
        log(`    rerank ${index + 1}: ${((runs.at(-1) as number) / 1000).toFixed(1)} s, renderer RSS ${rss.at(-1)} MiB`);
      }
      const { overall: peak, calls: rerankPeak } = session.peakRssMib();
      await session.dispose();
      const phases = loaded.info.notes?.load_phases_ms as Record<string, number> | undefined;
      return { loadMs: loaded.ms, sources: (loaded.info.notes?.sources as string[] | undefined) ?? [], phases, peak, rerankPeak, runs, rss };
    });
    const shared = await runSharedTabBench(host, modelDir, log, loadAvg);
    if (shared.shared_error) errors.push(`shared tabs: ${shared.shared_error}`);

    const later = warm?.runs.slice(1).sort((a, b) => a - b) ?? [];
    const rss = warm?.rss ?? [];
    const firstRss = rss[0] ?? null;
    const peaks = [cold?.peak, warm?.peak].filter((value): value is number => typeof value === 'number');
    const peak = peaks.length > 0 ? Math.max(...peaks) : null;
    const lastRss = rss.at(-1) ?? null;
    return {
      status: errors.length === 0 ? 'ok' : 'failed',
      ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
      model_bytes: modelBytes,
      documents: 20,
      cold_load_s: seconds(cold?.loadMs),
      warm_load_s: seconds(warm?.loadMs),
      raw_session_create_s: seconds(raw),
      warm_load_vs_raw: warm && raw ? round(warm.loadMs / raw, 2) : null,
      warm_load_sources: warm?.sources ?? [],
      warm_load_phases_s: warm?.phases ? Object.fromEntries(Object.entries(warm.phases).map(([phase, ms]) => [phase, seconds(ms) as number])) : null,
      ...shared,
      first_rerank_s: seconds(warm?.runs[0]),
      rerank_p50_s: later.length > 0 ? seconds(later[Math.floor((later.length - 1) / 2)] as number) : null,
      reranks: warm?.runs.length ?? 0,
      peak_rss_mib: peak,
      peak_rss_vs_file: peak ? round((peak * 2 ** 20) / modelBytes, 2) : null,
      cold_peak_rss_mib: cold?.peak ?? null,
      warm_peak_rss_mib: warm?.peak ?? null,
      rerank_peak_rss_mib: warm?.rerankPeak ?? null,
      rss_after_reranks_mib: rss,
      rss_growth_over_reranks_mib: firstRss !== null && lastRss !== null ? lastRss - firstRss : null,
      load_avg_1m: loadAvgs,
    };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
