/**
 * Measuring one group of variants: load them side by side while memory allows, one first call
 * each (reported apart), then timed rounds in turn, with extra rounds for variants whose calls
 * were disturbed by other work.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { CLEAN_SHARE, rerankerTuning, round, summarize as summarizeRuns, type CallResult, type LoadInfo, type VariantSpec } from './core.js';
import { procMeter } from './cpu.js';
import { modelFileBytes } from './models.js';
import type { Group, Section } from './plan.js';
import { describe, seconds, type Row } from './report.js';
import type { Session } from './sessions.js';
import { WORKLOADS, type WorkloadName } from './workloads.js';

/** A variant being measured: its session and what has been recorded so far. */
interface Live {
  spec: VariantSpec;
  session: Session;
  started: number;
  loadAvg: number;
  loadMs: number | null;
  info: LoadInfo | null;
  error: string | null;
  firstMs: number | null;
  firstOthers: number | null;
  firstResult: CallResult | null;
  runsMs: number[];
  runsOthers: number[];
}

const pause = (ms: number) => new Promise((resolvePause) => setTimeout(resolvePause, ms));

/** MiB of memory the kernel says is available. */
function memAvailableMib(): number {
  const match = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}

/** Memory to keep free before loading another variant beside those already loaded. */
function memoryNeededMib(spec: VariantSpec, dir: string): number {
  const model = modelFileBytes(dir, spec.dtype === 'fp16' ? 'fp32' : spec.dtype) / 2 ** 20;
  // A page holds the fetched file, the wasm heap's copy and ORT's own: ~4× the file at its peak.
  return Math.round((spec.env === 'chromium-wasm' ? 4.5 : 2.5) * model + 2048);
}

/** No extra rounds (for calls disturbed by other work) once a run has taken this long. */
const EXTRA_ROUNDS_UNTIL_MS = 15 * 60_000;

export async function runGroup(group: Group, open: (spec: VariantSpec) => Promise<Session>, dirs: Map<string, string>, log: (line: string) => void, runStarted: number): Promise<Row[]> {
  const live: Live[] = [];
  const rows: Row[] = [];

  const call = async (variant: Live, keepScores: boolean): Promise<[number, number] | null> => {
    const meter = procMeter(() => variant.session.pids());
    meter.begin();
    const reply = await variant.session.call(keepScores);
    const others = meter.end();
    if (!reply.ok) {
      variant.error = reply.error;
      log(`    ${describe(variant.spec)}: FAILED ${reply.error}`);
      return null;
    }
    if (keepScores) variant.firstResult = reply.value as CallResult;
    return [reply.ms, others];
  };

  const finish = async (variant: Live) => {
    const peak = variant.session.peakRssMib();
    if (!variant.error) await variant.session.dispose();
    await variant.session.close();
    rows.push(toRow(group.section, variant, peak));
    const row = rows[rows.length - 1] as Row;
    log(`  ${describe(variant.spec)}: ${row.status === 'ok' ? `p50 ${seconds(row.p50_ms)} s (${row.clean_runs}/${row.runs_ms.length} clean), ${row.pairs_per_s} pairs/s, first ${seconds(row.first_run_ms)} s, load ${seconds(row.load_ms)} s, peak ${row.peak_rss_mib} MiB (reranking ${row.peak_rss_calls_mib} MiB)` : `FAILED: ${row.error}`}`);
  };

  // Load side by side while memory allows; a variant that doesn't fit waits for the others.
  const pending = [...group.variants];
  while (pending.length > 0) {
    const batch: Live[] = [];
    while (pending.length > 0) {
      const spec = pending[0] as VariantSpec;
      const needed = memoryNeededMib(spec, dirs.get(spec.model) as string);
      if (batch.length > 0 && memAvailableMib() < needed) {
        log(`    ${memAvailableMib()} MiB available, ${describe(spec)} needs ~${needed}: it runs after the variants already loaded`);
        break;
      }
      pending.shift();
      log(`> ${group.section}: load ${describe(spec)}`);
      const variant: Live = {
        spec,
        session: await open(spec),
        started: Date.now(),
        loadAvg: loadavg()[0] as number,
        loadMs: null,
        info: null,
        error: null,
        firstMs: null,
        firstOthers: null,
        firstResult: null,
        runsMs: [],
        runsOthers: [],
      };
      const reply = await variant.session.load();
      variant.session.startCalls();
      if (reply.ok) {
        variant.loadMs = reply.ms;
        variant.info = reply.value as LoadInfo;
      } else {
        variant.error = reply.error;
        log(`    load FAILED: ${reply.error}`);
      }
      batch.push(variant);
      live.push(variant);
    }
    // First calls, then rounds in turn; then extra rounds for whoever had too few clean calls.
    for (const variant of batch.filter((candidate) => !candidate.error)) {
      log(`    first call: ${describe(variant.spec)}`);
      const timed = await call(variant, true);
      if (timed) [variant.firstMs, variant.firstOthers] = timed;
    }
    for (let round = 0; round < group.rounds + group.extraRounds; round++) {
      const extraAllowed = Date.now() - runStarted < EXTRA_ROUNDS_UNTIL_MS;
      const turn = batch.filter((variant) => !variant.error && (round < group.rounds || (extraAllowed && cleanCount(variant) < group.rounds)));
      if (turn.length === 0) break;
      for (const variant of turn) {
        await pause(500);
        const timed = await call(variant, false);
        if (timed) {
          variant.runsMs.push(timed[0]);
          variant.runsOthers.push(timed[1]);
        }
      }
      log(`    round ${round + 1}: ${turn.map((variant) => `${variant.spec.approach} ${seconds(variant.runsMs.at(-1) ?? null)} s${(variant.runsOthers.at(-1) ?? 0) >= CLEAN_SHARE ? ` (others ${Math.round((variant.runsOthers.at(-1) ?? 0) * 100)}%)` : ''}`).join(', ')}`);
    }
    for (const variant of batch) await finish(variant);
  }
  return rows;
}

function cleanCount(variant: Live): number {
  return variant.runsOthers.filter((share) => share < CLEAN_SHARE).length;
}

function toRow(section: Section, variant: Live, peak: { overall: number | null; calls: number | null }): Row {
  const { spec } = variant;
  const pairs = WORKLOADS[spec.workload as WorkloadName]().documents.length;
  const tokens = variant.info?.tokens ?? variant.firstResult?.tokens ?? 0;
  const figures = summarizeRuns(variant.runsMs, variant.runsOthers, pairs, tokens);
  const row: Row = {
    section,
    env: spec.env,
    approach: spec.approach,
    model: spec.model,
    dtype: spec.dtype,
    workload: spec.workload,
    pairs,
    tokens,
    threads: variant.info?.threads ?? null,
    batches: variant.info?.batches ?? null,
    options: rerankerTuning(spec),
    status: variant.error ? 'failed' : 'ok',
    load_ms: variant.loadMs === null ? null : Math.round(variant.loadMs),
    first_run_ms: variant.firstMs === null ? null : round(variant.firstMs),
    first_run_others: variant.firstOthers === null ? null : round(variant.firstOthers, 2),
    ...figures,
    peak_rss_mib: peak.overall,
    peak_rss_calls_mib: peak.calls,
    load_avg: [round(variant.loadAvg, 2), round(loadavg()[0] as number, 2)],
    wall_s: Math.round((Date.now() - variant.started) / 1000),
  };
  if (variant.error) row.error = variant.error;
  if (variant.firstResult) row.scores = variant.firstResult.scores;
  if (variant.info?.notes) row.notes = variant.info.notes;
  return row;
}

