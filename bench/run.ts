/**
 * `npm run bench`: webrerank against the transformers.js cross-encoder recipe, the raw runtime and
 * native onnxruntime-node, on stand-in models at bge-reranker-v2-m3's width.
 *
 *   npm run bench                  # everything, ~25 min: 2-layer model, 100 documents, the q8
 *                                  #   trade-off, the full-size (24-layer) q8 model in Chromium
 *   npm run bench -- --quick       # < 3 min: 1-layer model (32k vocabulary), one round
 *   npm run bench -- --sections compare,q8 --rounds 5
 *   npm run bench -- --sections fullsize [--merge-into latest] [--full-size-reranks 10]
 *                                  # bench/fullsize.ts; --merge-into also writes its full_size_q8
 *                                  #   into bench/results/latest.json
 *   npm run bench -- --sections fullsize --full-size-parts shared [--merge-into latest]
 *                                  # only its two tabs with shared: true (bench/fullsize-shared.ts);
 *                                  #   --merge-into then replaces only that part's fields
 *   npm run bench -- --sections webgpu [--webgpu-model l2]   # onnxruntime-node's WebGPU, see bench/webgpu.ts
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
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { CLEAN_SHARE, type VariantSpec } from './core.js';
import { FULL_SIZE_RERANKS, runFullSizeBench, type FullSizeResult } from './fullsize.js';
import { runSharedTabBench, type SharedTabResult } from './fullsize-shared.js';
import { BENCH_MODELS, ensureModel, type BenchModelName } from './models.js';
import { SECTIONS, plan, type Section, type Settings } from './plan.js';
import { machine, summarize, table, type Row } from './report.js';
import { runGroup } from './rounds.js';
import { openChromiumSession, openNodeSession, startChromiumHost, type ChromiumHost, type Session } from './sessions.js';
import { runWebGpuBench } from './webgpu.js';
import { checkWorkloadTokens } from './workloads.js';

type RunSettings = Settings & {
  /** Also write this partial run's section results into bench/results/latest.json. */
  mergeInto: 'latest' | null;
  /** Reranks after the first in the full-size section (default 10). */
  fullSizeReranks: number;
  /** The full-size section's parts: `all`, or `shared` (only the two tabs with shared: true). */
  fullSizeParts: 'all' | 'shared';
};

function parse(): RunSettings {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      sections: { type: 'string' },
      rounds: { type: 'string' },
      model: { type: 'string' },
      'node-wasm': { type: 'boolean' },
      'webgpu-model': { type: 'string' },
      'merge-into': { type: 'string' },
      'full-size-reranks': { type: 'string' },
      'full-size-parts': { type: 'string' },
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
  // The tiny model by default: on lavapipe (a CPU) the section checks the path, not a GPU's speed.
  const webgpuModel = (values['webgpu-model'] ?? 'tiny') as BenchModelName;
  if (!(webgpuModel in BENCH_MODELS)) throw new Error(`--webgpu-model takes ${Object.keys(BENCH_MODELS).join(', ')}`);
  const mergeInto = values['merge-into'];
  if (mergeInto !== undefined && (mergeInto !== 'latest' || values.quick || sections.length === SECTIONS.length)) throw new Error('--merge-into takes "latest", with --sections (not all of them) and without --quick');
  const fullSizeParts = values['full-size-parts'] ?? 'all';
  if (fullSizeParts !== 'all' && fullSizeParts !== 'shared') throw new Error(`--full-size-parts takes all or shared; got "${fullSizeParts}"`);
  const rounds = values.rounds !== undefined ? Number(values.rounds) : quick ? 1 : 3;
  // --quick has a 3-minute budget: no extra rounds for calls disturbed by other work.
  return { quick, model, rounds, extraRounds: quick ? 0 : Math.min(rounds, 2), sections, nodeWasm: values['node-wasm'] ?? false, webgpuModel, mergeInto: mergeInto === 'latest' ? 'latest' : null, fullSizeReranks: values['full-size-reranks'] !== undefined ? Number(values['full-size-reranks']) : FULL_SIZE_RERANKS, fullSizeParts };
}

async function main(): Promise<void> {
  const settings = parse();
  const started = Date.now();
  const log = (line: string) => console.log(line);
  const groups = plan(settings);
  log(`webrerank bench${settings.quick ? ' (quick)' : ''}: ${groups.reduce((sum, group) => sum + group.variants.length, 0)} variants on ${settings.model}, ${settings.rounds} timed round(s) after the first call`);

  const dirs = new Map<string, string>();
  for (const name of new Set(groups.flatMap((group) => group.variants.map((variant) => variant.model)))) dirs.set(name, await ensureModel(name as BenchModelName, log));
  const tokenCheck = groups.length > 0 ? await checkWorkloadTokens(dirs.get(settings.model) ?? (await ensureModel(settings.model, log)), log) : null;

  let host: ChromiumHost | undefined;
  const open = async (spec: VariantSpec): Promise<Session> => {
    if (spec.env !== 'chromium-wasm') return openNodeSession(spec, dirs.get(spec.model) as string);
    host ??= await startChromiumHost();
    return openChromiumSession(host, spec, log);
  };
  const rows: Row[] = [];
  let fullSize: FullSizeResult | SharedTabResult | undefined;
  try {
    for (const group of groups) rows.push(...(await runGroup(group, open, dirs, log, started)));
    if (settings.sections.includes('fullsize')) {
      const fullDir = await ensureModel('full', log);
      host ??= await startChromiumHost();
      const loadAvg = () => loadavg()[0] as number;
      fullSize = settings.fullSizeParts === 'shared' ? await runSharedTabBench(host, fullDir, log, loadAvg) : await runFullSizeBench(host, fullDir, log, loadAvg, settings.fullSizeReranks);
    }
  } finally {
    await host?.close();
  }

  // Apart from the groups, in this process: one adapter, sessions one after another.
  const webgpu = settings.sections.includes('webgpu')
    ? await runWebGpuBench(await ensureModel(settings.webgpuModel, log, ['fp32', 'fp16']), settings.rounds, log)
    : undefined;

  const { summary: ratios, agreement } = summarize(settings, rows);
  const summary = { ...ratios, full_size_q8: fullSize ?? null };

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
    ...(webgpu ? { webgpu } : {}),
    rows: rows.map(({ scores: _scores, ...row }) => row),
  };
  mkdirSync('bench/results', { recursive: true });
  const file = settings.quick ? 'bench/results/quick.json' : settings.sections.length === SECTIONS.length ? 'bench/results/latest.json' : 'bench/results/partial.json';
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
  if (settings.mergeInto === 'latest') log(mergeIntoLatest(output, settings.fullSizeParts));

  log('');
  log(table(rows));
  log('');
  log(JSON.stringify({ ...summary, score_agreement: agreement, machine: output.machine }, null, 2));
  log(`\nwrote ${file} in ${output.duration_s} s`);
}

/**
 * Writes a partial run's section results into bench/results/latest.json, each with a note of the
 * run that produced it; everything else there stays from the full run. Only full_size_q8 so far:
 * whole, or with `--full-size-parts shared` only the fields of its shared-tab part.
 */
function mergeIntoLatest(output: { generated_at: string; command: string; full_size_q8?: unknown }, parts: 'all' | 'shared'): string {
  const latestFile = 'bench/results/latest.json';
  if (!existsSync(latestFile)) return `--merge-into latest: ${latestFile} does not exist; nothing merged`;
  if (!output.full_size_q8) return '--merge-into latest: this run has no full_size_q8 (--sections fullsize); nothing merged';
  const latest = JSON.parse(readFileSync(latestFile, 'utf8')) as Record<string, unknown>;
  if (parts === 'shared') {
    const shared = output.full_size_q8 as SharedTabResult;
    const from = `from a separate run, \`${output.command}\` at ${output.generated_at}`;
    latest.full_size_q8 = { ...(latest.full_size_q8 as object), ...shared, shared_second_tab_note: `${shared.shared_second_tab_note}; ${from}` };
    writeFileSync(latestFile, `${JSON.stringify(latest, null, 2)}\n`);
    return `merged the shared-tab fields of full_size_q8 into ${latestFile}`;
  }
  latest.full_size_q8 = { ...(output.full_size_q8 as object), note: `from a separate run, \`${output.command}\` at ${output.generated_at}; the rest of this file is from the full run at ${String(latest.generated_at)}` };
  writeFileSync(latestFile, `${JSON.stringify(latest, null, 2)}\n`);
  return `merged full_size_q8 into ${latestFile}`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
