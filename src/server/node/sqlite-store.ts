/**
 * The limits store in a SQLite file: durable across restarts of one server (several servers on
 * one machine may share the file too: every commit is one `BEGIN IMMEDIATE` transaction). Built
 * on Node's own `node:sqlite`: nothing to compile or download at install.
 *
 * Steps are committed in groups: the steps of every request that reaches the store in one turn of
 * the event loop run in order inside one transaction, and each answers once that transaction is
 * committed. A commit, not a statement, is what costs; so under load a request pays a share of
 * one commit instead of a commit per step, and nothing is answered before it is on disk.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ALLOWED, NO_USAGE, type Admission, type BucketRate, type LimitsStore, type UsageCounts } from '../limits-store.js';
import { fitsQuota, type Quota } from '../quota.js';
import { takeFromBucket, type RateDecision, type RateLimit } from '../rate-limit.js';

/** The `day` under which a key's totals since its first request are kept. */
const TOTAL = 'total';
/** How long a commit waits for another process's transaction on the same file. */
const BUSY_TIMEOUT_MS = 5000;

/** A SQLite file that can't be used as the store: locked, corrupt or unwritable. */
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
  // Loaded only when a SQLite store is opened: Node prints an ExperimentalWarning the moment
  // node:sqlite loads, which every other command (a usage error, a server without quotas) must not show.
  const { DatabaseSync: Database } = await import('node:sqlite');
  let database: DatabaseSync | undefined;
  try {
    database = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    const check = database.prepare('PRAGMA quick_check').get() as { quick_check?: string } | undefined;
    if (check?.quick_check !== 'ok') throw new StoreOpenError(`${path} is damaged (SQLite's check says: ${check?.quick_check ?? 'nothing'}); restore it from a backup or move it away`);
    database.exec('PRAGMA journal_mode = WAL');
    // WAL with NORMAL syncs at checkpoints, not at every commit: a crash of the process loses
    // nothing, a power cut at most the last moments' charges.
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

/** A step waiting for the next commit, and whom to tell how it went. */
interface PendingStep {
  run(): unknown;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/** See {@link openSqliteStore}. */
export class SqliteLimitsStore implements LimitsStore {
  readonly kind = 'sqlite';
  readonly #database: DatabaseSync;
  readonly #now: () => number;
  readonly #statements;
  #pending: PendingStep[] = [];

  constructor(database: DatabaseSync, now: () => number) {
    this.#database = database;
    this.#now = now;
    const prepare = (sql: string): StatementSync => database.prepare(sql);
    this.#statements = {
      readBucket: prepare('SELECT tokens, at FROM buckets WHERE name = ?'),
      writeBucket: prepare('INSERT INTO buckets (name, tokens, at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET tokens = excluded.tokens, at = excluded.at'),
      readUsage: prepare('SELECT requests, documents, search_units, tokens FROM usage WHERE key = ? AND day = ?'),
      // The key's totals and its day, in one statement each way.
      addUsage: prepare(`INSERT INTO usage (key, day, requests, documents, search_units, tokens) VALUES (?1, '${TOTAL}', ?3, ?4, ?5, ?6), (?1, ?2, ?3, ?4, ?5, ?6)
        ON CONFLICT (key, day) DO UPDATE SET requests = requests + excluded.requests, documents = documents + excluded.documents,
          search_units = search_units + excluded.search_units, tokens = tokens + excluded.tokens`),
      subtractUsage: prepare(`UPDATE usage SET requests = max(0, requests - ?3), documents = max(0, documents - ?4), search_units = max(0, search_units - ?5),
        tokens = max(0, tokens - ?6) WHERE key = ?1 AND day IN ('${TOTAL}', ?2)`),
      ping: prepare('SELECT 1'),
    };
  }

  takeToken(bucket: string, limit: RateLimit): Promise<RateDecision> {
    return this.#inNextCommit(() => this.#take(bucket, limit));
  }

  charge(key: string, day: string, usage: UsageCounts, quota: Quota | undefined): Promise<boolean> {
    return this.#inNextCommit(() => this.#charge(key, day, usage, quota));
  }

  admit(rate: BucketRate | undefined, key: string, day: string, usage: UsageCounts, quota: Quota | undefined): Promise<Admission> {
    return this.#inNextCommit(() => {
      const decision = rate ? this.#take(rate.bucket, rate.limit) : ALLOWED;
      return { rate: decision, charged: decision.allowed && this.#charge(key, day, usage, quota) };
    });
  }

  refund(key: string, day: string, usage: UsageCounts): Promise<void> {
    return this.#inNextCommit(() => this.#change(this.#statements.subtractUsage, key, day, usage));
  }

  record(key: string, day: string, usage: UsageCounts): Promise<void> {
    return this.#inNextCommit(() => this.#change(this.#statements.addUsage, key, day, usage));
  }

  settle(key: string, day: string, back: UsageCounts, more: UsageCounts): Promise<void> {
    return this.#inNextCommit(() => {
      this.#change(this.#statements.subtractUsage, key, day, back);
      this.#change(this.#statements.addUsage, key, day, more);
    });
  }

  async usage(key: string, day: string): Promise<{ total: UsageCounts; day: UsageCounts }> {
    // What was counted but waits for its commit is part of the answer.
    this.#commit();
    return { total: this.#get(key, TOTAL), day: this.#get(key, day) };
  }

  async ping(): Promise<void> {
    this.#statements.ping.get();
  }

  async close(): Promise<void> {
    this.#commit();
    if (this.#database.isOpen) this.#database.close();
  }

  #take(bucket: string, limit: RateLimit): RateDecision {
    const saved = this.#statements.readBucket.get(bucket) as { tokens: number; at: number } | undefined;
    const { state, decision } = takeFromBucket(saved, limit, this.#now());
    this.#statements.writeBucket.run(bucket, state.tokens, state.at);
    return decision;
  }

  #charge(key: string, day: string, usage: UsageCounts, quota: Quota | undefined): boolean {
    if (!fitsQuota(this.#get(key, TOTAL), usage, quota)) return false;
    this.#change(this.#statements.addUsage, key, day, usage);
    return true;
  }

  /** Runs `usage` through `statement` for the key's totals and its `day`; nothing when it is all zeros. */
  #change(statement: StatementSync, key: string, day: string, usage: UsageCounts): void {
    if (usage.requests === 0 && usage.documents === 0 && usage.searchUnits === 0 && usage.tokens === 0) return;
    statement.run(key, day, usage.requests, usage.documents, usage.searchUnits, usage.tokens);
  }

  #get(key: string, day: string): UsageCounts {
    const row = this.#statements.readUsage.get(key, day) as UsageRow | undefined;
    return row ? { requests: row.requests, documents: row.documents, searchUnits: row.search_units, tokens: row.tokens } : { ...NO_USAGE };
  }

  /** Queues `step` for the commit at the end of this turn of the event loop; resolves once committed. */
  #inNextCommit<T>(step: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#pending.length === 0) setImmediate(() => this.#commit());
      this.#pending.push({ run: step, resolve: resolve as (result: unknown) => void, reject });
    });
  }

  /**
   * Runs the queued steps in order in one transaction, each inside its own savepoint, so a step
   * that throws takes back only its own writes and tells only its own caller. When the commit
   * itself fails (the file busy past the timeout, full, or gone) every step of the group is told.
   */
  #commit(): void {
    const group = this.#pending;
    this.#pending = [];
    if (group.length === 0) return;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.#database.exec('BEGIN IMMEDIATE');
      try {
        for (const step of group) outcomes.push(this.#inSavepoint(step));
        this.#database.exec('COMMIT');
      } catch (error) {
        this.#database.exec('ROLLBACK');
        throw error;
      }
    } catch (error) {
      for (const step of group) step.reject(error);
      return;
    }
    group.forEach((step, index) => {
      const outcome = outcomes[index] as { ok: boolean; value: unknown };
      if (outcome.ok) step.resolve(outcome.value);
      else step.reject(outcome.value);
    });
  }

  #inSavepoint(step: PendingStep): { ok: boolean; value: unknown } {
    this.#database.exec('SAVEPOINT step');
    try {
      const value = step.run();
      this.#database.exec('RELEASE step');
      return { ok: true, value };
    } catch (error) {
      this.#database.exec('ROLLBACK TO step; RELEASE step');
      return { ok: false, value: error };
    }
  }
}
