/**
 * The API keys `webrerank serve` accepts: plain keys (WEBRERANK_API_KEYS, --api-keys-file) and the
 * entries of a keys file (--keys, WEBRERANK_KEYS_FILE). A source that yields none refuses to start
 * unless --open says the server is meant to be open.
 */
import { readFile } from 'node:fs/promises';
import type { ApiKeyEntry } from '../server/auth.js';
import { KeysFileError, parseKeysFile } from '../server/keys-file.js';
import { loadApiKeys } from '../server/node/node-server.js';
import { UsageError } from './usage.js';

/** The flags this reads. */
export interface KeyFlags {
  'api-keys-file'?: string | undefined;
  keys?: string | undefined;
  open?: boolean | undefined;
}

/** Every key the flags and environment name; a usage error for an unreadable or empty source. */
export async function serveKeys(values: KeyFlags, env: Record<string, string | undefined>): Promise<(string | ApiKeyEntry)[]> {
  const plainKeys = await loadApiKeys(env, values['api-keys-file']).catch((error: unknown) => {
    throw new UsageError(`cannot read --api-keys-file: ${(error as Error).message}`);
  });
  const keysFile = values.keys ?? env.WEBRERANK_KEYS_FILE;
  const apiKeys = [...plainKeys, ...(await keyEntries(keysFile))];
  // A keys source that yields nothing is a mistake (an empty file, a variable of blanks), not a
  // wish to be open: starting anyway would let everyone in.
  const source = values['api-keys-file'] !== undefined ? `--api-keys-file ${values['api-keys-file']}` : keysFile !== undefined && keysFile !== '' ? `keys file ${keysFile}` : (env.WEBRERANK_API_KEYS ?? '').trim() !== '' ? 'WEBRERANK_API_KEYS' : undefined;
  if (source !== undefined && apiKeys.length === 0 && !values.open) {
    throw new UsageError(`${source} holds no API key (only blanks or comments): refusing to start a server open to everyone. Add a key, or pass --open to serve without keys.`);
  }
  return apiKeys;
}

/** The entries of the keys file, if one is named; a bad file is a usage error naming its line. */
async function keyEntries(file: string | undefined): Promise<ApiKeyEntry[]> {
  if (file === undefined || file === '') return [];
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new UsageError(`cannot read --keys: ${(error as Error).message}`);
  });
  try {
    return await parseKeysFile(text);
  } catch (error) {
    if (error instanceof KeysFileError) throw new UsageError(`--keys ${file}: ${error.message}`);
    throw error;
  }
}
