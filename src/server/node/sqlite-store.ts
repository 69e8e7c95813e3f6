/**
 * The limits store in a SQLite file: durable across restarts of one server (several servers on
 * one machine may share the file too: every commit is one `BEGIN IMMEDIATE` transaction). Built
 * on Node's own `node:sqlite`: nothing to compile or download at install.
 *
 * Steps are committed in groups: the steps of every request that reaches the store in one turn of
 * the event loop run in order inside one transaction, on rows read once and written once, and each
 * answers once that transaction is committed. Under load a request pays a share of one commit and
 * of one read and write per row, and nothing is answered before it is on disk.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ALLOWED, NO_USAGE, addUsage, subtractUsage, type Admission, type BucketRate, type LimitsStore, type UsageCounts } from '../limits-store.js';
import { fitsQuota, type Quota } from '../quota.js';
import { takeFromBucket, type BucketState, type RateDecision, type RateLimit } from '../rate-limit.js';
import { TurnBatch, type StepOutcome } from './turn-batch.js';

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

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(database: DatabaseSync) {
  const prepare = (sql: string): StatementSync => database.prepare(sql);
  return {
    readBucket: prepare('SELECT tokens, at FROM buckets WHERE name = ?'),
    writeBucket: prepare('INSERT INTO buckets (name, tokens, at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET tokens = excluded.tokens, at = excluded.at'),
    readUsage: prepare('SELECT requests, documents, search_units, tokens FROM usage WHERE key = ? AND day = ?'),
    writeUsage: prepare(`INSERT INTO usage (key, day, requests, documents, search_units, tokens) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (key, day) DO UPDATE SET requests = excluded.requests, documents = excluded.documents,
        search_units = excluded.search_units, tokens = excluded.tokens`),
    ping: prepare('SELECT 1'),
  };
}

/**
 * The rows one transaction has read, and what its steps changed: each bucket and usage row is read
 * at most once and written at most once per commit, however many steps of the group touch it. The
 * transaction holds the file's write lock from its first read, so what it read stays true.
 */
class GroupRows {
  readonly #statements: Statements;
  readonly #buckets = new Map<string, { state: BucketState | undefined; dirty: boolean }>();
  readonly #usage = new Map<string, { key: string; day: string; counts: UsageCounts; dirty: boolean }>();

  constructor(statements: Statements) {
    this.#statements = statements;
  }

  bucket(name: string): BucketState | undefined {
    let entry = this.#buckets.get(name);
    if (!entry) {
      const saved = this.#statements.readBucket.get(name) as { tokens: number; at: number } | undefined;
      entry = { state: saved && { tokens: saved.tokens, at: saved.at }, dirty: false };
      this.#buckets.set(name, entry);
    }
    return entry.state;
  }

  setBucket(name: string, state: BucketState): void {
    this.#buckets.set(name, { state, dirty: true });
  }

  usage(key: string, day: string): UsageCounts {
    return { ...this.#row(key, day).counts };
  }

  /** Changes the key's totals and its `day` by `change` (field by field). */
  change(key: string, day: string, change: (counts: UsageCounts) => UsageCounts): void {
    // Both rows are read before either changes, so a read that fails leaves no change behind.
    const rows = [this.#row(key, TOTAL), this.#row(key, day)];
    for (const row of rows) {
      row.counts = change(row.counts);
      row.dirty = true;
    }
  }

  /** Writes what the steps changed, once per row. */
  write(): void {
    for (const [name, { state, dirty }] of this.#buckets) if (dirty && state) this.#statements.writeBucket.run(name, state.tokens, state.at);
    for (const { key, day, counts, dirty } of this.#usage.values()) {
      if (dirty) this.#statements.writeUsage.run(key, day, counts.requests, counts.documents, counts.searchUnits, counts.tokens);
    }
  }

  #row(key: string, day: string) {
    const id = `${key}\u0000${day}`;
    let row = this.#usage.get(id);
    if (!row) {
      const saved = this.#statements.readUsage.get(key, day) as UsageRow | undefined;
      const counts = saved ? { requests: saved.requests, documents: saved.documents, searchUnits: saved.search_units, tokens: saved.tokens } : { ...NO_USAGE };
      row = { key, day, counts, dirty: false };
      this.#usage.set(id, row);
    }
    return row;
  }
}

/** A store step: runs on the rows of the transaction it is committed in. */
type Step = (rows: GroupRows) => unknown;

/** See {@link openSqliteStore}. */
export class SqliteLimitsStore implements LimitsStore {
  readonly kind = 'sqlite';
  readonly #database: DatabaseSync;
  readonly #now: () => number;
  readonly #statements: Statements;
  readonly #steps = new TurnBatch<Step, unknown>((steps) => this.#commit(steps));

  constructor(database: DatabaseSync, now: () => number) {
    this.#database = database;
    this.#now = now;
    this.#statements = prepareStatements(database);
  }

  takeToken(bucket: string, limit: RateLimit): Promise<RateDecision> {
    return this.#inNextCommit((rows) => this.#take(rows, bucket, limit));
  }

  charge(key: string, day: string, usage: UsageCounts, quota: Quota | undefined): Promise<boolean> {
    return this.#inNextCommit((rows) => charge(rows, key, day, usage, quota));
  }

  admit(rate: BucketRate | undefined, key: string, day: string, usage: UsageCounts, quota: Quota | undefined): Promise<Admission> {
    return this.#inNextCommit((rows) => {
      const decision = rate ? this.#take(rows, rate.bucket, rate.limit) : ALLOWED;
      return { rate: decision, charged: decision.allowed && charge(rows, key, day, usage, quota) };
    });
  }

  refund(key: string, day: string, usage: UsageCounts): Promise<void> {
    return this.settle(key, day, usage, NO_USAGE);
  }

  record(key: string, day: string, usage: UsageCounts): Promise<void> {
    return this.settle(key, day, NO_USAGE, usage);
  }

  settle(key: string, day: string, back: UsageCounts, more: UsageCounts): Promise<void> {
    return this.#inNextCommit((rows) => rows.change(key, day, (counts) => addUsage(subtractUsage(counts, back), more)));
  }

  async usage(key: string, day: string): Promise<{ total: UsageCounts; day: UsageCounts }> {
    // What was counted but waits for its commit is part of the answer.
    this.#steps.flush();
    return { total: this.#read(key, TOTAL), day: this.#read(key, day) };
  }

  async ping(): Promise<void> {
    this.#statements.ping.get();
  }

  async close(): Promise<void> {
    this.#steps.flush();
    if (this.#database.isOpen) this.#database.close();
  }

  #take(rows: GroupRows, bucket: string, limit: RateLimit): RateDecision {
    const { state, decision } = takeFromBucket(rows.bucket(bucket), limit, this.#now());
    rows.setBucket(bucket, state);
    return decision;
  }

  #read(key: string, day: string): UsageCounts {
    return new GroupRows(this.#statements).usage(key, day);
  }

  #inNextCommit<T>(step: (rows: GroupRows) => T): Promise<T> {
    return this.#steps.add(step) as Promise<T>;
  }

  /**
   * Runs the group's steps in order in one transaction, on rows read once and written once. Every
   * step reads and checks before it changes a row, so a step that throws changes nothing and only
   * its own caller is told. When the commit fails (the file busy past the timeout, full, or gone),
   * every step of the group is told.
   */
  #commit(steps: Step[]): StepOutcome<unknown>[] {
    this.#database.exec('BEGIN IMMEDIATE');
    try {
      const rows = new GroupRows(this.#statements);
      const outcomes = steps.map((step): StepOutcome<unknown> => {
        try {
          return { ok: true, value: step(rows) };
        } catch (error) {
          return { ok: false, error };
        }
      });
      rows.write();
      this.#database.exec('COMMIT');
      return outcomes;
    } catch (error) {
      rollBack(this.#database);
      throw error;
    }
  }
}

/** Ends the open transaction without its writes. A failed COMMIT may have ended it already. */
function rollBack(database: DatabaseSync): void {
  try {
    database.exec('ROLLBACK');
  } catch {
    // No transaction left to roll back: the failure being reported is the one that matters.
  }
}

/** Adds `usage` to the key's totals and `day` unless the totals would pass `quota`. */
function charge(rows: GroupRows, key: string, day: string, usage: UsageCounts, quota: Quota | undefined): boolean {
  if (!fitsQuota(rows.usage(key, TOTAL), usage, quota)) return false;
  rows.change(key, day, (counts) => addUsage(counts, usage));
  return true;
}
