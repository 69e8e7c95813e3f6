/**
 * The figures the docs show, as Markdown tables made from a bench result (bench/results/latest.json,
 * bench/results/stream.json for progressive results, bench/results/peers.json for the peers).
 * docs/performance.md and the README hold these tables verbatim, and a test regenerates them and
 * compares, so a figure in the docs is always the one the last bench run measured.
 *
 * After a bench run: `npx tsx bench/doc-tables.ts` prints every table, to paste over the old ones.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ResultRow {
  section: string;
  env: string;
  approach: string;
  dtype: string;
  workload: string;
  threads: number | null;
  options: Record<string, unknown>;
  status: string;
  error?: string;
  pairs_per_s: number | null;
  tokens_per_s: number | null;
  p50_ms: number | null;
}

interface FullSize {
  model_bytes: number;
  cold_load_s: number;
  warm_load_s: number;
  raw_session_create_s: number;
  warm_load_vs_raw: number;
  rerank_p50_s: number;
  reranks: number;
  peak_rss_mib: number;
  peak_rss_vs_file: number;
  rss_growth_over_reranks_mib: number;
  shared_second_tab_load_s: number;
  shared_second_tab_growth_pss_mib: number;
  dedicated_third_tab_growth_pss_mib: number;
}

interface Invariance {
  env: string;
  batch_invariant_pairs_per_s: number;
  batched_pairs_per_s: number;
  batched_max_abs_score_diff_vs_alone: number;
}

/** The parts of bench/results/latest.json the docs quote. */
export interface BenchResult {
  generated_at: string;
  machine: { cpu_model: string; cores: number; memory_gib: number; chromium: string; node: string; 'onnxruntime-web': string; 'onnxruntime-node': string; '@huggingface/transformers': string };
  model: string;
  speedup_vs_recipe: number;
  runtime_efficiency: number;
  ratio_to_native: number;
  node_speedup_vs_recipe: number;
  speedup_vs_recipe_q8_defaults: number;
  q8_batch_invariance: Invariance[];
  full_size_q8: FullSize;
  rows: ResultRow[];
}

/** The parts of bench/results/stream.json the docs quote: its Chromium part. */
export interface StreamResult {
  chromium: {
    model: string;
    documents: number;
    document_tokens: string;
    rounds: unknown[];
    fastest: { first_partial_ms: number; full_answer_ms: number; first_partial_share: number; rerank_ms: number; full_answer_vs_rerank: number; partials: number; scored_at_half_time: number };
  };
}

/** bench/results/peers.json: webrerank and its peers on the same weights. */
export interface PeersResult {
  date: string;
  model: string;
  modelDescription: string;
  pairs: number;
  pairTokens: [number, number];
  maxLength: number;
  threads: number;
  rounds: number;
  machine: { cpu_model: string; cores: number; node: string; 'onnxruntime-node': string };
  loadAverage: { start: number; end: number };
  python: Record<string, string>;
  rows: ({ peer: string; skipped: string } | { peer: string; pairsPerSecond: number; maxScoreDifferenceFromWebrerank?: number; bound?: number | null })[];
}

const WHERE: Record<string, string> = { 'chromium-wasm': 'Chromium WASM', 'node-cpu': 'Node (onnxruntime-node)' };
const WHAT: Record<string, string> = { webrerank: 'webrerank', recipe: 'transformers.js recipe', raw: 'raw onnxruntime-web, same batches', native: 'native onnxruntime-node, same batches' };
const WORKLOAD: Record<string, string> = { docs40: '40 documents', docs100: '100 documents', docs20x256: '20 × ~256 tokens' };

const fixed = (value: number, digits: number) => value.toFixed(digits);
const grouped = (value: number) => Math.round(value).toLocaleString('en-US');

/** A Markdown table. */
export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function what(row: ResultRow): string {
  const options = Object.entries(row.options).filter(([key]) => key !== 'threads');
  const name = WHAT[row.approach] ?? row.approach;
  return options.length === 0 ? name : `${name}, ${options.map(([key, value]) => `\`${key}: ${String(value)}\``).join(', ')}`;
}

function find(result: BenchResult, env: string, approach: string, dtype: string, workload = 'docs40'): ResultRow {
  const row = result.rows.find((candidate) => candidate.env === env && candidate.approach === approach && candidate.dtype === dtype && candidate.workload === workload && Object.keys(candidate.options).filter((key) => key !== 'threads').length === 0);
  if (!row) throw new Error(`bench result has no row ${env}/${approach}/${dtype}/${workload}`);
  return row;
}

const pairs = (row: ResultRow) => (row.status === 'ok' && row.pairs_per_s !== null ? fixed(row.pairs_per_s, 2) : `failed: ${(row.error ?? row.status).replace(/^.*ERROR_MESSAGE: /, '')}`);

/** The README's one table: webrerank against the transformers.js recipe, where users run it. */
export function headlineTable(result: BenchResult): string {
  const line = (label: string, env: string, dtype: string, speedup: number) => {
    const ours = find(result, env, 'webrerank', dtype);
    const recipe = find(result, env, 'recipe', dtype);
    return [label, dtype, pairs(ours), pairs(recipe), `**${fixed(speedup, 2)}×**`];
  };
  return table(['where', 'dtype', 'webrerank, pairs/s', 'transformers.js recipe, pairs/s', 'speed-up'], [
    line('Chromium, WASM, 2 threads', 'chromium-wasm', 'fp32', result.speedup_vs_recipe),
    line('Chromium, WASM, 2 threads', 'chromium-wasm', 'q8', result.speedup_vs_recipe_q8_defaults),
    line('Node, onnxruntime-node, 2 threads', 'node-cpu', 'fp32', result.node_speedup_vs_recipe),
  ]);
}

/** Where the figures were measured. */
export function machineTable(result: BenchResult): string {
  const { machine } = result;
  return table(['measured', 'on'], [
    ['run', result.generated_at.slice(0, 10)],
    ['machine', `${machine.cores} vCPUs (${machine.cpu_model}), ${machine.memory_gib} GiB, no GPU`],
    ['software', `Chromium ${machine.chromium}, Node ${machine.node}, onnxruntime-web ${machine['onnxruntime-web']}, onnxruntime-node ${machine['onnxruntime-node']}, transformers.js ${machine['@huggingface/transformers']}`],
    ['model', result.model],
  ]);
}

/** Every variant measured at the bench's model size (the full-size model has a table of its own). */
export function throughputTable(result: BenchResult): string {
  return table(
    ['where', 'what', 'dtype', 'workload', 'threads', 'pairs/s', 'tokens/s', 'p50 (s)'],
    result.rows.filter((row) => row.section !== 'fullsize').map((row) => [
      WHERE[row.env] ?? row.env,
      what(row),
      row.dtype,
      WORKLOAD[row.workload] ?? row.workload,
      row.threads === null ? 'default' : String(row.threads),
      pairs(row),
      row.tokens_per_s === null ? '—' : grouped(row.tokens_per_s),
      row.p50_ms === null ? '—' : fixed(row.p50_ms / 1000, 2),
    ]),
  );
}

/** The ratios the bench summarises. */
export function ratiosTable(result: BenchResult): string {
  return table(['figure', 'value', 'meaning'], [
    ['`speedup_vs_recipe`', fixed(result.speedup_vs_recipe, 2), 'webrerank ÷ the transformers.js recipe, Chromium WASM, fp32, 40 documents'],
    ['`runtime_efficiency`', fixed(result.runtime_efficiency, 2), 'webrerank ÷ raw onnxruntime-web fed the same batches (1.0: nothing left to remove in the library)'],
    ['`ratio_to_native`', fixed(result.ratio_to_native, 2), 'webrerank in Chromium ÷ native onnxruntime-node'],
    ['`speedup_vs_recipe_q8_defaults`', fixed(result.speedup_vs_recipe_q8_defaults, 2), 'each library at its q8 defaults, Chromium'],
    ['`node_speedup_vs_recipe`', fixed(result.node_speedup_vs_recipe, 2), 'webrerank ÷ the recipe in Node'],
  ]);
}

/** What batch-invariant q8 costs, and what batching q8 does to a score. */
export function invarianceTable(result: BenchResult): string {
  return table(
    ['where', 'one pair per batch, pairs/s', 'batched, pairs/s', 'batched: max score change vs alone'],
    result.q8_batch_invariance.map((entry) => [WHERE[entry.env] ?? entry.env, fixed(entry.batch_invariant_pairs_per_s, 2), fixed(entry.batched_pairs_per_s, 2), entry.batched_max_abs_score_diff_vs_alone.toExponential(1)]),
  );
}

/** The full-size q8 model in Chromium. */
export function fullSizeTable(result: BenchResult): string {
  const full = result.full_size_q8;
  return table(['full-size q8 model in Chromium', 'value'], [
    ['model file', `${grouped(full.model_bytes / 2 ** 20)} MiB`],
    ['cold load (download into the cache, then ready)', `${fixed(full.cold_load_s, 1)} s`],
    ['warm load (from the cache, fresh browser)', `${fixed(full.warm_load_s, 1)} s`],
    ["onnxruntime-web's own session build from bytes in memory", `${fixed(full.raw_session_create_s, 1)} s`],
    ['warm load ÷ raw session build', fixed(full.warm_load_vs_raw, 2)],
    [`rerank of 20 documents × ~256 tokens, p50 of ${full.reranks}`, `${fixed(full.rerank_p50_s, 1)} s`],
    ['peak renderer memory', `${grouped(full.peak_rss_mib)} MiB (${fixed(full.peak_rss_vs_file, 2)}× the file)`],
    [`renderer memory growth over ${full.reranks} reranks`, `${grouped(full.rss_growth_over_reranks_mib)} MiB`],
    ['a second tab with `shared: true`: ready after', `${fixed(full.shared_second_tab_load_s, 2)} s`],
    ["browser memory growth for that tab / for a tab with a model of its own (PSS)", `${grouped(full.shared_second_tab_growth_pss_mib)} / ${grouped(full.dedicated_third_tab_growth_pss_mib)} MiB`],
  ]);
}

/** Progressive results on the full-size q8 model in Chromium: how soon the first ranking shows. */
export function chromiumStreamTable(result: StreamResult): string {
  const { chromium } = result;
  const { fastest } = chromium;
  const seconds = (ms: number) => `${fixed(ms / 1000, 1)} s`;
  const rounds = chromium.rounds.length;
  return table([`${chromium.documents} documents (${chromium.document_tokens} tokens), full-size q8 model in Chromium`, rounds === 1 ? 'one round' : `fastest of ${rounds} rounds`], [
    ['first partial of `rerankStream()`', seconds(fastest.first_partial_ms)],
    ["full answer (the stream's last item)", seconds(fastest.full_answer_ms)],
    ['`rerank()`, same request, same page', seconds(fastest.rerank_ms)],
    ['first partial / full answer', fixed(fastest.first_partial_share, 3)],
    ['full answer by stream / by `rerank()`', fixed(fastest.full_answer_vs_rerank, 2)],
    ['partials before the full answer', String(fastest.partials)],
    ["documents ranked at half the full answer's time", String(fastest.scored_at_half_time)],
  ]);
}

/** What each peer of bench/peers.ts is, and how it runs the pairs. */
const PEER: Record<string, [string, string]> = {
  'webrerank-fp32': ['webrerank (Node, onnxruntime-node)', 'length-sorted batches of ≤ 512 padded tokens'],
  'webrerank-q8': ['webrerank (Node, onnxruntime-node)', 'one pair per run (batch-invariant q8)'],
  'python-onnxruntime-padded-fp32': ['Python onnxruntime + HF tokenizers', 'one padded batch'],
  'python-onnxruntime-per-pair-fp32': ['Python onnxruntime + HF tokenizers', 'one pair per run'],
  'python-onnxruntime-padded-q8': ['Python onnxruntime + HF tokenizers', 'one padded batch'],
  'python-onnxruntime-per-pair-q8': ['Python onnxruntime + HF tokenizers', 'one pair per run'],
  'sentence-transformers-cross-encoder-fp32': ['sentence-transformers `CrossEncoder` (PyTorch CPU)', '`predict()`: one padded batch'],
  'flagembedding-flag-reranker-fp32': ['FlagEmbedding `FlagReranker` (PyTorch CPU)', '`compute_score(normalize=True)`'],
};

/** webrerank beside its peers: pairs/s and each peer's largest score difference from webrerank. */
export function peersTable(result: PeersResult): string {
  const scientific = (value: number, digits = 1) => (value === 0 ? '0' : value.toExponential(digits));
  return table(['peer', 'dtype', 'how it runs the pairs', 'pairs/s', 'largest score difference from webrerank', 'bound'], result.rows.map((row) => {
    const [who, how] = PEER[row.peer] ?? [row.peer, ''];
    const dtype = row.peer.endsWith('-q8') ? 'q8' : 'fp32';
    if ('skipped' in row) return [who, dtype, how, `skipped: ${row.skipped}`, '—', '—'];
    const difference = row.maxScoreDifferenceFromWebrerank;
    return [who, dtype, how, fixed(row.pairsPerSecond, 2), difference === undefined ? '—' : scientific(difference), row.bound === undefined ? '—' : row.bound === null ? 'none (batch-mates)' : scientific(row.bound, 0)];
  }));
}

/** What the peers were measured on, and where. */
export function peersSetupTable(result: PeersResult): string {
  const python = Object.entries(result.python).map(([name, version]) => `${name} ${version}`).join(', ');
  return table(['peers measured', 'on'], [
    ['run', result.date.slice(0, 10)],
    ['model', `\`${result.model}\`: ${result.modelDescription}`],
    ['pairs', `${result.pairs} documents of ${result.pairTokens[0]}–${result.pairTokens[1]} tokens with the query, \`maxLength\` ${result.maxLength}`],
    ['timing', `${result.threads} threads, best of ${result.rounds} rounds after a warm-up`],
    ['load average (1 min) at start / end', `${fixed(result.loadAverage.start, 2)} / ${fixed(result.loadAverage.end, 2)}`],
    ['machine', `${result.machine.cores} vCPUs (${result.machine.cpu_model}), no GPU`],
    ['software', `Node ${result.machine.node}, onnxruntime-node ${result.machine['onnxruntime-node']}; Python ${python}`],
  ]);
}

/** Every table docs/performance.md holds, in its order. */
export function performanceTables(result: BenchResult): string[] {
  return [machineTable(result), throughputTable(result), ratiosTable(result), invarianceTable(result), fullSizeTable(result)];
}

export function readBenchResult(path: string): BenchResult {
  return JSON.parse(readFileSync(path, 'utf8')) as BenchResult;
}

export function readPeersResult(path: string): PeersResult {
  return JSON.parse(readFileSync(path, 'utf8')) as PeersResult;
}

export function readStreamResult(path: string): StreamResult {
  return JSON.parse(readFileSync(path, 'utf8')) as StreamResult;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = readBenchResult(process.argv[2] ?? fileURLToPath(new URL('results/latest.json', import.meta.url)));
  const stream = readStreamResult(fileURLToPath(new URL('results/stream.json', import.meta.url)));
  const peers = readPeersResult(fileURLToPath(new URL('results/peers.json', import.meta.url)));
  console.log(`README:\n\n${headlineTable(result)}\n\ndocs/performance.md:\n\n${performanceTables(result).join('\n\n')}\n\n${chromiumStreamTable(stream)}\n\n${peersSetupTable(peers)}\n\n${peersTable(peers)}`);
}
