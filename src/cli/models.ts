/**
 * `webrerank models`: the registry this build knows — each model id, where its files come from,
 * and what it is — as a table, or as JSON with `--json`.
 */
import { BUILTIN_MODELS, type ModelEntry } from '../core/models.js';
import { parseFlags } from './usage.js';

const HELP = `Usage: webrerank models [--json]

Lists the models webrerank knows: the id a request names in "model", and where the files come
from (a Hugging Face repo in transformers.js layout). Serve your own folder with
--model-path DIR (and --model ID) on rank and serve.
`;

export async function models(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(BUILTIN_MODELS, null, 2)}\n`);
    return 0;
  }
  const rows = BUILTIN_MODELS.map((entry) => [entry.id, sourceOf(entry), entry.description ?? '']);
  const widths = [0, 1].map((column) => Math.max(...[['MODEL', 'FILES'], ...rows].map((row) => (row[column] as string).length)));
  for (const [id, files, about] of [['MODEL', 'FILES', 'ABOUT'], ...rows] as string[][]) {
    process.stdout.write(`${`${(id as string).padEnd(widths[0] as number)}  ${(files as string).padEnd(widths[1] as number)}  ${about}`.trimEnd()}\n`);
  }
  return 0;
}

function sourceOf(entry: ModelEntry): string {
  const { source } = entry;
  if ('hub' in source) return `hub:${source.hub}${source.revision ? `@${source.revision}` : ''}`;
  return 'url' in source ? source.url : source.path;
}
