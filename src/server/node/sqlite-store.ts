/**
 * The limits store in a SQLite file: durable across restarts of one server (several servers on
 * one machine may share the file too: every step is one `BEGIN IMMEDIATE` transaction). Built on
 * Node's own `node:sqlite` (Node 22.13 and later): nothing to compile or download at install.
 */
import type { DatabaseSync } from 'node:sqlite';
import { addUsage, NO_USAGE, subtractUsage, type LimitsStore, type UsageCounts } from '../limits-store.js';
import { fitsQuota, type Quota } from '../quota.js';
import { takeFromBucket, type RateDecision, type RateLimit } from '../rate-limit.js';

/** The `day` under which a key's totals since its first request are kept. */
const TOTAL = 'total';
/** How long a step waits for another process's transaction on the same file. */
const BUSY_TIMEOUT_MS = 5000;

/** A SQLite file that can't be used as the store: missing support, locked, corrupt or unwritable. */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

/**
 * Opens (creating when missing) the store at `path`. Throws a {@link StoreOpenError} that says
 * what is wrong with the file, before the server listens.
 *
 * @example
 * const store = await openSqliteStore('./webrerank-limits.sqlite');
 */
export async function openSqliteStore(path: string, now: () => number = Date.now): Promise<SqliteLimitsStore> {
  const sqlite = await import('node:sqlite').catch(() => {
    throw new StoreOpenError(`the SQLite store needs Node.js 22.13 or later (this is ${process.version}); use --store memory or --store redis://…, or upgrade Node.js`);
  });
  let database: DatabaseSync | undefined;
  try {
    database = new sqlite.DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
    const check = database.prepare('PRAGMA quick_check').get() as { quick_check?: string } | undefined;
    if (check?.quick_check !== 'ok') throw new StoreOpenError(`${path} is damaged (SQLite's check says: ${check?.quick_check ?? 'nothing'}); restore it from a backup or move it away`);
    database.exec('PRAGMA journal_mode = WAL');
    // WAL with NORMAL syncs at checkpoints, not at every commit: a crash of the process loses
    // nothing, a power cut at most the last moments' charges — while every request commits three times.
    database.exec('PRAGMA synchronous = NORMAL');
    database.exec(`BEGIN IMMEDIATE;
      CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, tokens REAL NOT NULL, at REAL NOT NULL);
      CREATE TABLE IF NOT EXISTS usage (key TEXT NOT NULL, day TEXT NOT NULL, requests INTEGER NOT NULL, documents INTEGER NOT NULL,
        search_units INTEGER NOT NULL, tokens INTEGER NOT NULL, PRIMARY KEY (key, day));
      COMMIT;`);
    return new SqliteLimitsStore(database, now);
  } catch (error) {
    database?.close();
    if (error instanceof StoreOpenError) throw error;
    throw new StoreOpenError(describeOpenFailure(path, error));
  }
}

/** The operator's words for SQLite's codes at open. */
function describeOpenFailure(path: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/locked|busy/i.test(message)) return `${path} is locked by another process (SQLite: ${message}); stop it or give this server its own file`;
  if (/not a database|malformed|corrupt/i.test(message)) return `${path} is not a usable SQLite database (${message}); restore it from a backup or move it away`;
  return `cannot open ${path} as the limits store: ${message}`;
}

interface UsageRow {
  requests: number;
  documents: number;
  search_units: number;
  tokens: number;
}

/** See {@link openSqliteStore}. */
export class SqliteLimitsStore implements LimitsStore {
  readonly kind = 'sqlite';
  readonly #database: DatabaseSync;
  readonly #now: () => number;
  readonly #readBucket;
  readonly #writeBucket;
  readonly #readUsage;
  readonly #writeUsage;

  constructor(database: DatabaseSync, now: () => number) {
    this.#database = database;
    this.#now = now;
    this.#readBucket = database.prepare('SELECT tokens, at FROM buckets WHERE name = ?');
    this.#writeBucket = database.prepare('INSERT INTO buckets (name, tokens, at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET tokens = excluded.tokens, at = excluded.at');
    this.#readUsage = database.prepare('SELECT requests, documents, search_units, tokens FROM usage WHERE key = ? AND day = ?');
    this.#writeUsage = database.prepare(`INSERT INTO usage (key, day, requests, documents, search_units, tokens) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (key, day) DO UPDATE SET requests = excluded.requests, documents = excluded.documents, search_units = excluded.search_units, tokens = excluded.tokens`);
  }

  async takeToken(bucket: string, limit: RateLimit): Promise<RateDecision> {
    return this.#transaction(() => {
      const saved = this.#readBucket.get(bucket) as { tokens: number; at: number } | undefined;
      const { state, decision } = takeFromBucket(saved, limit, this.#now());
      this.#writeBucket.run(bucket, state.tokens, state.at);
      return decision;
    });
  }

  async charge(key: string, day: string, usage: UsageCounts, quota: Quota | undefined): Promise<boolean> {
    return this.#transaction(() => {
      if (!fitsQuota(this.#get(key, TOTAL), usage, quota)) return false;
      this.#add(key, day, usage, addUsage);
      return true;
    });
  }

  async refund(key: string, day: string, usage: UsageCounts): Promise<void> {
    this.#transaction(() => this.#add(key, day, usage, subtractUsage));
  }

  async record(key: string, day: string, usage: UsageCounts): Promise<void> {
    this.#transaction(() => this.#add(key, day, usage, addUsage));
  }

  async usage(key: string, day: string): Promise<{ total: UsageCounts; day: UsageCounts }> {
    return { total: this.#get(key, TOTAL), day: this.#get(key, day) };
  }

  async ping(): Promise<void> {
    this.#database.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#database.isOpen) this.#database.close();
  }

  #add(key: string, day: string, usage: UsageCounts, combine: (a: UsageCounts, b: UsageCounts) => UsageCounts): void {
    for (const row of [TOTAL, day]) {
      const next = combine(this.#get(key, row), usage);
      this.#writeUsage.run(key, row, next.requests, next.documents, next.searchUnits, next.tokens);
    }
  }

  #get(key: string, day: string): UsageCounts {
    const row = this.#readUsage.get(key, day) as UsageRow | undefined;
    return row ? { requests: row.requests, documents: row.documents, searchUnits: row.search_units, tokens: row.tokens } : { ...NO_USAGE };
  }

  #transaction<T>(step: () => T): T {
    this.#database.exec('BEGIN IMMEDIATE');
    try {
      const result = step();
      this.#database.exec('COMMIT');
      return result;
    } catch (error) {
      this.#database.exec('ROLLBACK');
      throw error;
    }
  }
}
