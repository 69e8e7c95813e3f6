/**
 * Chooses and opens the limits store from a URL: `memory`, `sqlite:PATH` or `redis://…`
 * (`rediss://` for TLS). Without one, a server with a quota gets the SQLite file below (a quota
 * that a restart gives back is no quota) and one without gets memory.
 */
import { MemoryLimitsStore, type LimitsStore } from '../limits-store.js';
import { openRedisStore } from './redis-store.js';
import { openSqliteStore, StoreOpenError } from './sqlite-store.js';

/** The SQLite file used when a quota is set and no store is named, in the working directory. */
export const DEFAULT_SQLITE_FILE = 'webrerank-limits.sqlite';

export interface OpenStoreOptions {
  /** Whether any quota is configured (server-wide or a key's own): then the default is durable. */
  quotas: boolean;
  log?: (line: string) => void;
}

/**
 * Opens the store `url` names, or the default. Throws a {@link StoreOpenError} for a URL it does
 * not know or a file it cannot use.
 *
 * @example
 * const store = await openLimitsStore('redis://127.0.0.1:6379', { quotas: true });
 */
export async function openLimitsStore(url: string | undefined, options: OpenStoreOptions): Promise<LimitsStore> {
  const log = options.log ?? (() => undefined);
  if (url === undefined) {
    if (!options.quotas) return new MemoryLimitsStore();
    return openSqliteStore(DEFAULT_SQLITE_FILE);
  }
  if (url === 'memory') return new MemoryLimitsStore();
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') throw new StoreOpenError('--store sqlite: needs a file, e.g. sqlite:./limits.sqlite');
    return openSqliteStore(path);
  }
  if (/^rediss?:\/\//.test(url)) return openRedisStore(url, { log });
  throw new StoreOpenError(`--store must be memory, sqlite:PATH or redis://HOST:PORT, got "${redactUrl(url)}"`);
}

/** A store URL fit for a log line: any password replaced. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_match, credentials: string) => `//${credentials.includes(':') ? `${credentials.split(':')[0]}:***` : '***'}@`);
}
