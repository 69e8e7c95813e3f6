/**
 * The figures a reader sees are the ones the last bench run measured: docs/performance.md and the
 * README hold the tables bench/doc-tables.ts makes from bench/results/latest.json (and
 * stream.json, peers.json, stores.json), verbatim, and the prose around them quotes no figure the tables don't have.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStoresResult, storeStepsTable, storesTable } from '../../bench/stores-tables.js';
import { chromiumStreamTable, headlineTable, peersSetupTable, peersTable, performanceTables, readBenchResult, readPeersResult, readStreamResult } from '../../bench/doc-tables.js';

const ROOT = resolve(import.meta.dirname, '../..');
const result = readBenchResult(join(ROOT, 'bench/results/latest.json'));
const stream = readStreamResult(join(ROOT, 'bench/results/stream.json'));
const peers = readPeersResult(join(ROOT, 'bench/results/peers.json'));
const stores = readStoresResult(join(ROOT, 'bench/results/stores.json'));
const performance = readFileSync(join(ROOT, 'docs/performance.md'), 'utf8');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Numbers with a fractional part ("3.43", "0.95"), the kind a measurement has. */
const decimals = (text: string) => text.match(/\d+\.\d+/g) ?? [];

/** The page cut at its `## ` headings. */
const sections = (text: string) => text.split(/^(?=## )/m);

/** The bench/results/*.json files a section names as its source, other than latest.json. */
const resultsNamedIn = (section: string) => [...new Set(section.match(/bench\/results\/[\w.-]+\.json/g) ?? [])].filter((file) => !file.endsWith('/latest.json'));

/** Every number in a parsed JSON value. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

/**
 * Whether `value`, in the same unit or a thousand times larger or smaller (s ↔ ms), rounds to
 * `figure`. Signs are compared apart: the page writes a minus sign (−) before the digits.
 */
function showsAs(value: number, figure: string): boolean {
  const places = figure.split('.')[1]?.length ?? 0;
  const target = Number(figure);
  return [1, 1000, 1 / 1000].some((scale) => Math.abs(Math.abs(value) * scale - target) <= 0.5 * 10 ** -places + 1e-9);
}

describe('docs/performance.md', () => {
  it.each(performanceTables(result).map((table) => [table.split('\n')[0] as string, table]))('shows the current bench result in the table headed %s', (_header, table) => {
    expect(performance).toContain(table);
  });

  it('shows the time to the first partial against the full answer on the full-size model in Chromium, from the last stream bench', () => {
    expect(performance).toContain(chromiumStreamTable(stream));
  });

  it('shows webrerank beside its peers on the same weights, and what they ran on, from the last peers bench', () => {
    expect(performance).toContain(peersSetupTable(peers));
    expect(performance).toContain(peersTable(peers));
  });

  it('shows what each limits store costs a replica, on the tiny and the realistic model, from the last stores bench', () => {
    expect(performance).toContain(storesTable(stores, 'tiny'));
    expect(performance).toContain(storeStepsTable(stores));
    expect(performance).toContain(storesTable(stores, 'realistic'));
  });

  it('quotes in its prose only figures that its tables show, or that the results file its section names holds', () => {
    const tables = [...performanceTables(result), chromiumStreamTable(stream), peersSetupTable(peers), peersTable(peers), storesTable(stores, 'tiny'), storeStepsTable(stores), storesTable(stores, 'realistic')];
    const prose = tables.reduce((text, table) => text.replace(table, ''), performance).replace(/^```[\s\S]*?^```$/gm, '');
    const shown = new Set(tables.flatMap(decimals));
    const unbacked = sections(prose).flatMap((section) => {
      const measured = resultsNamedIn(section).flatMap((file) => numbersIn(JSON.parse(readFileSync(join(ROOT, file), 'utf8'))));
      return decimals(section).filter((figure) => !shown.has(figure) && !measured.some((value) => showsAs(value, figure)));
    });
    expect(unbacked).toEqual([]);
  });
});

describe('the README', () => {
  it("shows the bench's headline table and links to docs/performance.md", () => {
    expect(readme).toContain(headlineTable(result));
    expect(readme).toContain('(docs/performance.md)');
  });
});
