/**
 * `webrerank models`: the registry this build knows — each model id, where its files come from,
 * and what it is — and the models in the Hugging Face hub cache (pulled by webrerank, `hf
 * download` or transformers), as tables, or as JSON with `--json`.
 */
import { BUILTIN_MODELS, type ModelEntry } from '../core/models.js';
import { formatBytes } from '../core/progress.js';
import { hubCacheDir, listCachedModels, type CachedModel } from '../node/hub-cache.js';
import { parseFlags } from './usage.js';

const HELP = `Usage: webrerank models [--json]

Lists the models webrerank knows: the id a request names in "model", and where the files come
from (a Hugging Face repo in transformers.js layout). Then the models in the Hugging Face hub
cache ($HF_HUB_CACHE, default ~/.cache/huggingface/hub): repo, revision, dtypes, size, and
whether it is a generated stand-in. Get one there with webrerank pull; serve your own folder with
--model-path DIR (and --model ID) on rank and serve.
`;

export async function models(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const { values } = parseFlags(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const cacheDir = hubCacheDir(env);
  const cached = await listCachedModels(cacheDir);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ registry: BUILTIN_MODELS, cache: { dir: cacheDir, models: cached } }, null, 2)}\n`);
    return 0;
  }
  writeTable([['MODEL', 'FILES', 'ABOUT'], ...BUILTIN_MODELS.map((entry) => [entry.id, sourceOf(entry), entry.description ?? ''])]);
  process.stdout.write(`\nIn the Hugging Face hub cache (${cacheDir}):\n`);
  if (cached.length === 0) process.stdout.write('  nothing yet: webrerank pull fetches a model there\n');
  else writeTable([['REPO', 'REVISION', 'DTYPES', 'SIZE', 'KIND'], ...cached.map(cachedRow)]);
  return 0;
}

function cachedRow(model: CachedModel): string[] {
  const revision = model.revisions.length > 0 ? `${model.revisions.join(',')} (${model.commit.slice(0, 7)})` : model.commit.slice(0, 7);
  return [model.repo, revision, model.dtypes.join(','), formatBytes(model.bytes), model.standin ? 'stand-in (random weights)' : 'model'];
}

/** Columns padded to their widest cell; the last column is not padded. */
function writeTable(rows: string[][]): void {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  for (const row of rows) {
    process.stdout.write(`${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd()}\n`);
  }
}

function sourceOf(entry: ModelEntry): string {
  const { source } = entry;
  if ('hub' in source) return `hub:${source.hub}${source.revision ? `@${source.revision}` : ''}`;
  return 'url' in source ? source.url : source.path;
}
