/**
 * The limits-store tables of docs/performance.md, made from bench/results/stores.json (what
 * `npm run bench:stores` writes), so the page shows what the last run measured and a test can
 * compare them.
 */
import { readFileSync } from 'node:fs';
import { table } from './doc-tables.js';

interface StoreRow {
  store: string;
  requestsPerSecond: number;
  changeVsMemoryPercent: number;
  p50Ms: number;
  p99Ms: number;
  addedP50Ms: number;
  addedP99Ms: number;
  serverCpuUsPerRequest: number;
  replicaCapacityVsMemoryPercent: number;
  storeCpuUsPerRequest: number;
}

export interface StoresResult {
  command: string;
  node: string;
  rows: StoreRow[];
  realistic?: { model: string; rows: StoreRow[] };
  storeStepsPerRequest: Record<string, { p50Us: number; p99Us: number }>;
}

const STORE_NAMES: Record<string, string> = {
  memory: 'memory',
  sqlite: 'sqlite (WAL, synchronous NORMAL, group commit)',
  redis: 'redis (loopback, appendfsync everysec)',
};

/** A change in percent as the page writes it: — for the baseline, a sign otherwise. */
function change(row: StoreRow, percent: number): string {
  if (row.store === 'memory') return '—';
  return `${percent > 0 ? '+' : percent < 0 ? '−' : ''}${Math.abs(percent)} %`;
}

/** Requests/s, latency and CPU per request of each store: `tiny` or the realistic model's rows. */
export function storesTable(result: StoresResult, which: 'tiny' | 'realistic'): string {
  const rows = which === 'tiny' ? result.rows : (result.realistic?.rows ?? []);
  return table(
    ['Store', 'Requests/s', 'vs memory', 'p50 ms', 'p99 ms', 'server CPU per request', 'one replica’s capacity vs memory', 'Redis CPU per request'],
    rows.map((row) => [
      STORE_NAMES[row.store] ?? row.store,
      String(row.requestsPerSecond),
      change(row, row.changeVsMemoryPercent),
      String(row.p50Ms),
      String(row.p99Ms),
      `${row.serverCpuUsPerRequest} µs`,
      change(row, row.replicaCapacityVsMemoryPercent),
      row.store === 'redis' ? `${row.storeCpuUsPerRequest} µs` : '—',
    ]),
  );
}

/** What each store's own steps of one request (admit, settle) take, one request at a time. */
export function storeStepsTable(result: StoresResult): string {
  return table(
    ['Store', 'its steps of one request (admit, settle), p50', 'p99'],
    Object.entries(result.storeStepsPerRequest).map(([store, cost]) => [store, `${cost.p50Us} µs`, `${cost.p99Us} µs`]),
  );
}

export function readStoresResult(path: string): StoresResult {
  return JSON.parse(readFileSync(path, 'utf8')) as StoresResult;
}
