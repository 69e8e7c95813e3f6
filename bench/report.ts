/**
 * What a bench run reports: a row per variant, the table on stdout, the machine, the agreement
 * checks and the summary ratios written to bench/results/.
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { logit, maxAbsDiff, rerankerTuning, round, type RerankerTuning, type VariantResult, type VariantSpec } from './core.js';
import { BENCH_MODELS, modelFileBytes } from './models.js';
import type { Section, Settings } from './plan.js';

export interface Row extends VariantResult {
  section: Section;
  /** Peak RSS while reranking (each process's peak reset once the model was loaded), MiB. */
  peak_rss_calls_mib: number | null;
  /** 1-minute load average when the variant was loaded and when it finished. */
  load_avg: [number, number];
  wall_s: number;
}

/** A variant's non-default options as `key=value` labels; threads have a column of their own. */
function optionLabels(options: RerankerTuning): string[] {
  return Object.entries(options)
    .filter(([key]) => key !== 'threads')
    .map(([key, value]) => `${key}=${String(value)}`);
}

/** A variant in a log line. */
export function describe(spec: Pick<VariantSpec, 'env' | 'approach' | 'model' | 'dtype' | 'workload'> & Partial<VariantSpec>): string {
  const extras = optionLabels(rerankerTuning(spec as VariantSpec));
  return `${spec.env} ${spec.approach}${extras.length > 0 ? ` (${extras.join(', ')})` : ''} ${spec.model}/${spec.dtype} ${spec.workload}`;
}

export function seconds(ms: number | null): string {
  return ms === null ? '-' : (ms / 1000).toFixed(2);
}

/** All rows as an aligned text table. */
export function table(rows: Row[]): string {
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

/** The machine the run measured, for the results file. */
export function machine(chromiumVersion: string | null) {
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
export function checks(rows: Row[]) {
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

/** The headline ratios, from the rows of one run. */
export function summarize(settings: Settings, rows: Row[]) {
  const pick = (section: Section, env: string, approach: string, predicate: (row: Row) => boolean = () => true) =>
    rows.find((row) => row.section === section && row.env === env && row.approach === approach && predicate(row));
  const defaults = (row: Row) => Object.keys(row.options).length === 0;
  const ratio = (a: Row | undefined, b: Row | undefined) => (a?.pairs_per_s && b?.pairs_per_s ? round(a.pairs_per_s / b.pairs_per_s, 2) : null);
  const headline = pick('compare', 'chromium-wasm', 'webrerank', defaults);
  const recipe100 = pick('docs100', 'chromium-wasm', 'recipe');
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
  };

  return { summary, agreement };
}
