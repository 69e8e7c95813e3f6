/**
 * The keys file: one JSON object per line, one line per key — its name, its SHA-256 (or the plain
 * key, hashed on load and never kept), and its own rate, burst, quotas and allowed models. Blank
 * lines and `#` comments are skipped. `webrerank keys add` appends lines of this kind.
 *
 *   {"name":"search-team","sha256":"9f86d0…","rate":5,"burst":10,"quota_documents":100000}
 */
import { z } from 'zod';
import { sha256Hex, type ApiKeyEntry } from './auth.js';

const count = z.number().int().nonnegative();
const KEY_LINE = z
  .object({
    name: z.string().regex(/^[\w.@-]{1,64}$/, 'a name of 1–64 letters, digits, "_", ".", "@" or "-"'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/i, '64 hex digits').optional(),
    key: z.string().min(1).optional(),
    rate: z.number().positive().optional(),
    burst: z.number().int().min(1).optional(),
    quota_requests: count.optional(),
    quota_documents: count.optional(),
    models: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict()
  .refine((line) => (line.sha256 === undefined) !== (line.key === undefined), 'give either "sha256" or "key"')
  .refine((line) => line.burst === undefined || line.rate !== undefined, '"burst" needs "rate"');

type KeyLine = z.infer<typeof KEY_LINE>;

/** A keys file that can't be used, with the line that is wrong. */
export class KeysFileError extends Error {
  override name = 'KeysFileError';
}

/**
 * Reads a keys file's text into entries. Throws a {@link KeysFileError} naming the first bad line
 * (never echoing it: it may hold a plain key).
 *
 * @example
 * const entries = await parseKeysFile('{"name":"ci","key":"sk-1","quota_documents":1000}\n');
 */
export async function parseKeysFile(text: string): Promise<ApiKeyEntry[]> {
  const entries: ApiKeyEntry[] = [];
  const names = new Set<string>();
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let parsed: KeyLine;
    try {
      parsed = KEY_LINE.parse(JSON.parse(line));
    } catch (error) {
      const reason = error instanceof z.ZodError ? error.issues.map((issue) => `${issue.path.join('.') || 'entry'}: ${issue.message}`).join('; ') : 'not a JSON object';
      throw new KeysFileError(`line ${index + 1}: ${reason}`);
    }
    if (names.has(parsed.name)) throw new KeysFileError(`line ${index + 1}: the name "${parsed.name}" is already used by an earlier line`);
    names.add(parsed.name);
    entries.push(await entryOf(parsed));
  }
  return entries;
}

async function entryOf(line: KeyLine): Promise<ApiKeyEntry> {
  const entry: ApiKeyEntry = { name: line.name, sha256: (line.sha256 ?? (await sha256Hex(line.key as string))).toLowerCase() };
  if (line.rate !== undefined) entry.rateLimit = { requestsPerSecond: line.rate, ...(line.burst !== undefined ? { burst: line.burst } : {}) };
  if (line.quota_requests !== undefined || line.quota_documents !== undefined) {
    entry.quota = { ...(line.quota_requests !== undefined ? { requests: line.quota_requests } : {}), ...(line.quota_documents !== undefined ? { documents: line.quota_documents } : {}) };
  }
  if (line.models) entry.models = line.models;
  return entry;
}

/** One keys-file line for `entry` (digest only). */
export function formatKeyLine(entry: ApiKeyEntry): string {
  const line: KeyLine = { name: entry.name, sha256: entry.sha256 };
  if (entry.rateLimit) {
    line.rate = entry.rateLimit.requestsPerSecond;
    if (entry.rateLimit.burst !== undefined) line.burst = entry.rateLimit.burst;
  }
  if (entry.quota?.requests !== undefined) line.quota_requests = entry.quota.requests;
  if (entry.quota?.documents !== undefined) line.quota_documents = entry.quota.documents;
  if (entry.models) line.models = [...entry.models];
  return JSON.stringify(line);
}
