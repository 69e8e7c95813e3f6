/**
 * `npm run bench`: webrerank against the transformers.js cross-encoder recipe, the raw runtime and
 * native onnxruntime-node, on stand-in models at bge-reranker-v2-m3's width.
 *
 *   npm run bench                  # everything, ~25 min: 2-layer model, 100 documents, the q8
 *                                  #   trade-off, the full-size (24-layer) q8 model in Chromium
 *   npm run bench -- --quick       # < 3 min: 1-layer model (32k vocabulary), one round
 *   npm run bench -- --sections compare,q8 --rounds 5
 *   npm run bench -- --sections fullsize
 *
 * The machine is shared and its speed drifts, so approaches that are compared are loaded side by
 * side (each in its own process or browser) and take turns call by call; each call also records
 * how much CPU other processes used meanwhile, and p50/p95 are over the calls where that was under
 * 10%. The first call of each (the one that grows the runtime's arena) is reported apart.
 *
 * Models are generated once into bench/.models/ (about a minute each at full width; the 24-layer
 * one takes several). Results: bench/results/latest.json (full run), quick.json (--quick) or
 * partial.json (a subset of sections), and a table on stdout.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLEAN_SHARE, logit, maxAbsDiff, rerankerTuning, round, summarize, type CallResult, type LoadInfo, type RerankerTuning, type VariantResult, type VariantSpec } from './core.js';
import { procMeter } from './cpu.js';
import { BENCH_MODELS, ensureModel, modelFileBytes, type BenchModelName } from './models.js';
import { openChromiumSession, openNodeSession, startChromiumHost, type ChromiumHost, type Session } from './sessions.js';
import { WORKLOADS, type WorkloadName } from './workloads.js';

type Section = 'compare' | 'docs100' | 'q8' | 'fullsize';
const SECTIONS: readonly Section[] = ['compare', 'docs100', 'q8', 'fullsize'];

/** Variants measured side by side, taking turns. */
interface Group {
  section: Section;
  variants: VariantSpec[];
  /** Timed calls each variant gets after its first. */
  rounds: number;
  /** Extra rounds, at most, for variants with fewer clean calls than `rounds`. */
  extraRounds: number;
}

interface Settings {
  quick: boolean;
  model: BenchModelName;
  rounds: number;
  extraRounds: number;
  sections: Section[];
  nodeWasm: boolean;
}

function parse(): Settings {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      sections: { type: 'string' },
      rounds: { type: 'string' },
      model: { type: 'string' },
      'node-wasm': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const sections = (values.sections?.split(',') ?? (quick ? ['compare'] : SECTIONS)) as Section[];
  for (const section of sections) if (!SECTIONS.includes(section)) throw new Error(`--sections takes ${SECTIONS.join(',')}; got "${section}"`);
  const model = (values.model ?? (quick ? 'l1v32k' : 'l2')) as BenchModelName;
  if (!(model in BENCH_MODELS)) throw new Error(`--model takes ${Object.keys(BENCH_MODELS).join(', ')}`);
  const rounds = values.rounds !== undefined ? Number(values.rounds) : quick ? 1 : 3;
  // --quick has a 3-minute budget: no extra rounds for calls disturbed by other work.
  return { quick, model, rounds, extraRounds: quick ? 0 : Math.min(rounds, 2), sections, nodeWasm: values['node-wasm'] ?? false };
}

function plan(settings: Settings): Group[] {
  const { model, rounds, extraRounds } = settings;
  const cores = cpus().length;
  const groups: Group[] = [];
  const group = (section: Section, variants: VariantSpec[], groupRounds = rounds) => groups.push({ section, variants, rounds: groupRounds, extraRounds: Math.min(extraRounds, groupRounds) });
  const spec = (fields: Omit<VariantSpec, 'model'> & { model?: string }): VariantSpec => ({ model, ...fields });

  if (settings.sections.includes('compare')) {
    // The headline: Chromium WASM fp32, 40 documents; native onnxruntime-node beside it for reference.
    group('compare', [
      ...(['webrerank', 'recipe', 'raw'] as const).map((approach) => spec({ env: 'chromium-wasm', approach, dtype: 'fp32', workload: 'docs40' })),
      spec({ env: 'node-cpu', approach: 'native', dtype: 'fp32', workload: 'docs40', threads: cores }),
    ]);
    if (!settings.quick) {
      group('compare', [
        spec({ env: 'node-cpu', approach: 'webrerank', dtype: 'fp32', workload: 'docs40' }),
        spec({ env: 'node-cpu', approach: 'recipe', dtype: 'fp32', workload: 'docs40' }),
      ]);
    }
    if (settings.nodeWasm) group('compare', (['webrerank', 'recipe', 'raw'] as const).map((approach) => spec({ env: 'node-wasm', approach, dtype: 'fp32', workload: 'docs40' })));
  }
  if (settings.sections.includes('docs100')) {
    // The recipe's one batch of 100 × ~500 tokens may fail: then the failure is the finding.
    group('docs100', [spec({ env: 'chromium-wasm', approach: 'webrerank', dtype: 'fp32', workload: 'docs100' })], Math.min(rounds, 2));
    group('docs100', [spec({ env: 'chromium-wasm', approach: 'recipe', dtype: 'fp32', workload: 'docs100' })], 1);
    group('docs100', [spec({ env: 'node-cpu', approach: 'webrerank', dtype: 'fp32', workload: 'docs100' })], Math.min(rounds, 2));
  }
  if (settings.sections.includes('q8')) {
    // Batch-invariant q8 (the default: one pair per run, no padding) against batched q8.
    for (const env of ['chromium-wasm', 'node-cpu'] as const) {
      group('q8', [
        spec({ env, approach: 'webrerank', dtype: 'q8', workload: 'docs40' }),
        spec({ env, approach: 'webrerank', dtype: 'q8', workload: 'docs40', batchInvariant: false }),
        env === 'chromium-wasm' ? spec({ env, approach: 'raw', dtype: 'q8', workload: 'docs40' }) : spec({ env, approach: 'native', dtype: 'q8', workload: 'docs40', threads: cores }),
        // Defaults against defaults: q8 is both webrerank's and transformers.js' default on WASM.
        ...(env === 'chromium-wasm' ? [spec({ env, approach: 'recipe', dtype: 'q8', workload: 'docs40' })] : []),
      ]);
    }
  }
  if (settings.sections.includes('fullsize')) {
    group('fullsize', [spec({ env: 'chromium-wasm', approach: 'webrerank', dtype: 'q8', workload: 'docs20x256', model: 'full' })], Math.min(rounds, 2));
  }
  return groups;
}

interface Row extends VariantResult {
  section: Section;
  /** Peak RSS while reranking (each process's peak reset once the model was loaded), MiB. */
  peak_rss_calls_mib: number | null;
  /** 1-minute load average when the variant was loaded and when it finished. */
  load_avg: [number, number];
  wall_s: number;
}

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

async function runGroup(group: Group, open: (spec: VariantSpec) => Promise<Session>, dirs: Map<string, string>, log: (line: string) => void, runStarted: number): Promise<Row[]> {
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

/** A variant's non-default options as `key=value` labels; threads have a column of their own. */
function optionLabels(options: RerankerTuning): string[] {
  return Object.entries(options)
    .filter(([key]) => key !== 'threads')
    .map(([key, value]) => `${key}=${String(value)}`);
}

function toRow(section: Section, variant: Live, peak: { overall: number | null; calls: number | null }): Row {
  const { spec } = variant;
  const pairs = WORKLOADS[spec.workload as WorkloadName]().documents.length;
  const tokens = variant.info?.tokens ?? variant.firstResult?.tokens ?? 0;
  const figures = summarize(variant.runsMs, variant.runsOthers, pairs, tokens);
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

function describe(spec: Pick<VariantSpec, 'env' | 'approach' | 'model' | 'dtype' | 'workload'> & Partial<VariantSpec>): string {
  const extras = optionLabels(rerankerTuning(spec as VariantSpec));
  return `${spec.env} ${spec.approach}${extras.length > 0 ? ` (${extras.join(', ')})` : ''} ${spec.model}/${spec.dtype} ${spec.workload}`;
}

function seconds(ms: number | null): string {
  return ms === null ? '-' : (ms / 1000).toFixed(2);
}

function table(rows: Row[]): string {
  const header = ['section', 'env', 'model', 'dtype', 'workload', 'approach', 'thr', 'batches', 'load s', 'first s', 'clean', 'p50 s', 'p95 s', 'pairs/s', 'tokens/s', 'peak MiB', 'rerank MiB', 'status'];
  const body = rows.map((row) => {
    const extras = optionLabels(row.options);
    return [
      row.section,
      row.env,
      row.model,
      row.dtype,
      row.workload,
      extras.length > 0 ? `${row.approach} (${extras.join(', ')})` : row.approach,
      String(row.threads ?? '-'),
      String(row.batches ?? '-'),
      seconds(row.load_ms),
      seconds(row.first_run_ms),
      `${row.clean_runs}/${row.runs_ms.length}`,
      seconds(row.p50_ms),
      seconds(row.p95_ms),
      row.pairs_per_s === null ? '-' : row.pairs_per_s.toFixed(2),
      row.tokens_per_s === null ? '-' : row.tokens_per_s.toFixed(0),
      String(row.peak_rss_mib ?? '-'),
      String(row.peak_rss_calls_mib ?? '-'),
      row.status === 'ok' ? 'ok' : `FAILED: ${(row.error ?? '').slice(0, 70)}`,
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => (cells[column] as string).length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

function machine(chromiumVersion: string | null) {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const flags = /flags\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.split(' ') ?? [];
  const pkg = (name: string) => (JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    cpu_model: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    simd: ['avx2', 'avx512f', 'avx512_vnni', 'avx512_bf16'].filter((flag) => flags.includes(flag)),
    memory_gib: round(totalmem() / 2 ** 30, 1),
    chromium: chromiumVersion,
    node: process.version,
    'onnxruntime-web': pkg('onnxruntime-web'),
    'onnxruntime-node': pkg('onnxruntime-node'),
    '@huggingface/transformers': pkg('@huggingface/transformers'),
  };
}

/** The agreement checks: fp32 scores across approaches, and what batched q8 changes. */
function checks(rows: Row[]) {
  const ok = rows.filter((row) => row.status === 'ok' && row.scores);
  const agreement: Record<string, unknown>[] = [];
  for (const env of ['chromium-wasm', 'node-cpu', 'node-wasm'] as const) {
    const webrerank = ok.find((row) => row.section === 'compare' && row.env === env && row.approach === 'webrerank');
    for (const other of ok.filter((row) => row.section === 'compare' && row.approach !== 'webrerank' && (row.env === env || row.approach === 'native'))) {
      if (!webrerank || (other.approach === 'native' && env !== 'chromium-wasm' && env !== 'node-cpu')) continue;
      const delta = maxAbsDiff(webrerank.scores, other.scores);
      agreement.push({ a: `${env} webrerank`, b: `${other.env} ${other.approach}`, dtype: 'fp32', max_abs_score_diff: delta, within_1e4: delta <= 1e-4 });
    }
  }
  const q8: Record<string, unknown>[] = [];
  for (const env of ['chromium-wasm', 'node-cpu'] as const) {
    const inQ8 = ok.filter((row) => row.section === 'q8' && row.env === env);
    const alone = inQ8.find((row) => row.approach === 'webrerank' && row.options.batchInvariant === undefined);
    const batched = inQ8.find((row) => row.approach === 'webrerank' && row.options.batchInvariant === false);
    const ceiling = inQ8.find((row) => row.approach !== 'webrerank');
    if (!alone?.scores || !batched?.scores) continue;
    const logits = alone.scores.map((score, index) => Math.abs(logit(score) - logit(batched.scores?.[index] as number)));
    q8.push({
      env,
      batch_invariant_pairs_per_s: alone.pairs_per_s,
      batched_pairs_per_s: batched.pairs_per_s,
      batch_invariant_speed_vs_batched: alone.pairs_per_s && batched.pairs_per_s ? round(alone.pairs_per_s / batched.pairs_per_s, 2) : null,
      batch_invariant_first_call_s: alone.first_run_ms === null ? null : round(alone.first_run_ms / 1000, 2),
      batched_first_call_s: batched.first_run_ms === null ? null : round(batched.first_run_ms / 1000, 2),
      batched_max_abs_score_diff_vs_alone: maxAbsDiff(alone.scores, batched.scores),
      batched_max_abs_logit_diff_vs_alone: round(Math.max(...logits), 5),
      ceiling: ceiling ? `${ceiling.approach} with webrerank's batch-invariant batches: ${ceiling.pairs_per_s} pairs/s` : null,
      ceiling_scores_equal_invariant: ceiling?.scores ? maxAbsDiff(alone.scores, ceiling.scores) : null,
    });
  }
  return { agreement, q8 };
}

async function main(): Promise<void> {
  const settings = parse();
  const started = Date.now();
  const log = (line: string) => console.log(line);
  const groups = plan(settings);
  log(`webrerank bench${settings.quick ? ' (quick)' : ''}: ${groups.reduce((sum, group) => sum + group.variants.length, 0)} variants on ${settings.model}, ${settings.rounds} timed round(s) after the first call`);

  const dirs = new Map<string, string>();
  for (const name of new Set(groups.flatMap((group) => group.variants.map((variant) => variant.model)))) dirs.set(name, await ensureModel(name as BenchModelName, log));
  const tokenCheck = await checkWorkloadTokens(dirs.get(settings.model) ?? (await ensureModel(settings.model, log)), log);

  let host: ChromiumHost | undefined;
  const open = async (spec: VariantSpec): Promise<Session> => {
    if (spec.env !== 'chromium-wasm') return openNodeSession(spec, dirs.get(spec.model) as string);
    host ??= await startChromiumHost();
    return openChromiumSession(host, spec, log);
  };
  const rows: Row[] = [];
  try {
    for (const group of groups) rows.push(...(await runGroup(group, open, dirs, log, started)));
  } finally {
    await host?.close();
  }

  const pick = (section: Section, env: string, approach: string, predicate: (row: Row) => boolean = () => true) =>
    rows.find((row) => row.section === section && row.env === env && row.approach === approach && predicate(row));
  const defaults = (row: Row) => Object.keys(row.options).length === 0;
  const ratio = (a: Row | undefined, b: Row | undefined) => (a?.pairs_per_s && b?.pairs_per_s ? round(a.pairs_per_s / b.pairs_per_s, 2) : null);
  const headline = pick('compare', 'chromium-wasm', 'webrerank', defaults);
  const recipe100 = pick('docs100', 'chromium-wasm', 'recipe');
  const fullsize = pick('fullsize', 'chromium-wasm', 'webrerank');
  const { agreement, q8 } = checks(rows);
  const recipeChecks = agreement.filter((check) => String(check.b).endsWith('recipe'));
  const scoresAgree = recipeChecks.length > 0 && recipeChecks.every((check) => check.within_1e4 === true);

  const summary = {
    model: `${settings.model}: ${BENCH_MODELS[settings.model].description}`,
    scores_agree_with_recipe: scoresAgree,
    // No speed is reported against a recipe whose scores disagree with ours.
    speedup_vs_recipe: scoresAgree ? ratio(headline, pick('compare', 'chromium-wasm', 'recipe')) : null,
    runtime_efficiency: ratio(headline, pick('compare', 'chromium-wasm', 'raw')),
    ratio_to_native: ratio(headline, pick('compare', 'node-cpu', 'native')),
    node_speedup_vs_recipe: scoresAgree ? ratio(pick('compare', 'node-cpu', 'webrerank', defaults), pick('compare', 'node-cpu', 'recipe')) : null,
    node_runtime_efficiency: ratio(pick('compare', 'node-cpu', 'webrerank', defaults), pick('compare', 'node-cpu', 'native')),
    // Not a target: webrerank's WASM default (q8, batch-invariant) against the recipe's (q8, one batch).
    speedup_vs_recipe_q8_defaults: ratio(pick('q8', 'chromium-wasm', 'webrerank', defaults), pick('q8', 'chromium-wasm', 'recipe')),
    recipe_100_docs: recipe100 ? (recipe100.status === 'ok' ? 'ok' : (recipe100.error ?? 'failed')) : null,
    webrerank_100_docs: pick('docs100', 'chromium-wasm', 'webrerank')?.pairs_per_s ?? null,
    q8_batch_invariance: q8,
    full_size_q8: fullsize
      ? {
          status: fullsize.status,
          ...(fullsize.error ? { error: fullsize.error } : {}),
          model_bytes: modelFileBytes(dirs.get('full') as string, 'q8'),
          documents: fullsize.pairs,
          tokens: fullsize.tokens,
          load_s: fullsize.load_ms === null ? null : round(fullsize.load_ms / 1000, 1),
          first_rerank_s: fullsize.first_run_ms === null ? null : round(fullsize.first_run_ms / 1000, 1),
          rerank_p50_s: fullsize.p50_ms === null ? null : round(fullsize.p50_ms / 1000, 1),
          pairs_per_s: fullsize.pairs_per_s,
          peak_rss_mib: fullsize.peak_rss_mib,
          peak_rss_reranking_mib: fullsize.peak_rss_calls_mib,
        }
      : null,
  };

  const output = {
    generated_at: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    duration_s: Math.round((Date.now() - started) / 1000),
    machine: machine(host?.version ?? null),
    settings,
    clean_call_rule: `p50/p95 are over timed calls during which other processes used < ${CLEAN_SHARE * 100}% of the CPUs (all calls when none was clean)`,
    ...summary,
    workload_token_check: tokenCheck,
    score_agreement: agreement,
    rows: rows.map(({ scores: _scores, ...row }) => row),
  };
  mkdirSync('bench/results', { recursive: true });
  const file = settings.quick ? 'bench/results/quick.json' : settings.sections.length === SECTIONS.length ? 'bench/results/latest.json' : 'bench/results/partial.json';
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);

  log('');
  log(table(rows));
  log('');
  log(JSON.stringify({ ...summary, score_agreement: agreement, machine: output.machine }, null, 2));
  log(`\nwrote ${file} in ${output.duration_s} s`);
}

/** Tokenizes each workload with the model's tokenizer: documents must be exactly the lengths built. */
async function checkWorkloadTokens(modelDir: string, log: (line: string) => void) {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  const tokenizer = await AutoTokenizer.from_pretrained(modelDir);
  const report: Record<string, unknown> = {};
  for (const name of Object.keys(WORKLOADS) as WorkloadName[]) {
    const workload = WORKLOADS[name]();
    const actual = workload.documents.map((text) => tokenizer.encode(text, { add_special_tokens: false }).length);
    const exact = actual.every((length, index) => length === workload.documentTokens[index]);
    report[name] = {
      documents: workload.documents.length,
      query_tokens: tokenizer.encode(workload.query, { add_special_tokens: false }).length,
      document_tokens_min: Math.min(...actual),
      document_tokens_max: Math.max(...actual),
      document_tokens_total: actual.reduce((sum, length) => sum + length, 0),
      exact,
    };
    if (!exact) log(`  warning: ${name}'s documents do not tokenize to the lengths they were built to`);
  }
  return report;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
