/**
 * `webrerank keys add NAME`: makes a new random API key, prints it once, and appends only its
 * SHA-256 (with the key's own limits) to the keys file that `webrerank serve --keys` reads.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import { sha256Hex, type ApiKeyEntry } from '../server/auth.js';
import { KeysFileError, formatKeyLine, parseKeysFile } from '../server/keys-file.js';
import { UsageError, integerFlag, parseFlags, positiveFlag } from './usage.js';

const HELP = `Usage: webrerank keys add NAME --keys FILE [options]

Makes a new API key named NAME, prints it once on stdout, and appends a line with its SHA-256
(never the key) and its limits to FILE, the keys file of 'webrerank serve --keys FILE'.
A running server reads the file at start: restart it (one replica at a time) to take the key in.

  --keys FILE               the keys file (created when missing)  [WEBRERANK_KEYS_FILE]
  --rate N                  requests per second for this key, then 429
  --burst N                 requests at once (default: one second's worth); needs --rate
  --quota-requests N        requests this key may make, then 402
  --quota-documents N       scoring windows this key may use (a document, unless
                            max_chunks_per_doc cuts it), then 402
  --model ID                a model this key may use (repeat); default: any
`;

const KEYS_FLAGS = {
  keys: { type: 'string' },
  rate: { type: 'string' },
  burst: { type: 'string' },
  'quota-requests': { type: 'string' },
  'quota-documents': { type: 'string' },
  model: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs `webrerank keys …`; resolves with the exit code. */
export async function keys(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const [action, name, ...rest] = argv;
  if (action === '--help' || action === '-h' || action === undefined) {
    process.stdout.write(HELP);
    return action === undefined ? 2 : 0;
  }
  if (action !== 'add') throw new UsageError(`unknown action "${action}"; use: webrerank keys add NAME --keys FILE`);
  if (name === undefined || name.startsWith('-')) throw new UsageError('give the new key a name: webrerank keys add NAME --keys FILE');
  const { values } = parseFlags(rest, KEYS_FLAGS);
  const file = values.keys ?? env.WEBRERANK_KEYS_FILE;
  if (file === undefined || file === '') throw new UsageError('name the keys file with --keys FILE (or WEBRERANK_KEYS_FILE)');

  const key = `wr-${randomBytes(32).toString('base64url')}`;
  const entry: ApiKeyEntry = { name, sha256: await sha256Hex(key) };
  if (values.rate !== undefined) entry.rateLimit = { requestsPerSecond: positiveFlag('--rate', values.rate), ...(values.burst !== undefined ? { burst: integerFlag('--burst', values.burst) } : {}) };
  else if (values.burst !== undefined) throw new UsageError('--burst needs --rate');
  const requests = values['quota-requests'];
  const documents = values['quota-documents'];
  if (requests !== undefined || documents !== undefined) {
    entry.quota = { ...(requests !== undefined ? { requests: integerFlag('--quota-requests', requests, 0) } : {}), ...(documents !== undefined ? { documents: integerFlag('--quota-documents', documents, 0) } : {}) };
  }
  if (values.model) entry.models = values.model;

  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw new UsageError(`cannot read --keys ${file}: ${error.message}`);
  });
  // The whole file, with the new line, must still load: a bad name or a name used twice fails here, not at the next start.
  const line = formatKeyLine(entry);
  await parseKeysFile(`${existing}\n${line}`).catch((error: unknown) => {
    throw error instanceof KeysFileError ? new UsageError(`${file}: ${error.message.replace(/^line \d+: /, '')}`) : error;
  });
  await appendFile(file, `${existing === '' || existing.endsWith('\n') ? '' : '\n'}${line}\n`, { mode: 0o600 });
  process.stderr.write(`added "${name}" to ${file}; the key is shown once, here:\n`);
  process.stdout.write(`${key}\n`);
  return 0;
}
