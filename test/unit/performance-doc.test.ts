/**
 * The figures a reader sees are the ones the last bench run measured: docs/performance.md and the
 * README hold the tables bench/doc-tables.ts makes from bench/results/latest.json, verbatim, and
 * the prose around them quotes no figure the tables don't have.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headlineTable, performanceTables, readBenchResult } from '../../bench/doc-tables.js';

const ROOT = resolve(import.meta.dirname, '../..');
const result = readBenchResult(join(ROOT, 'bench/results/latest.json'));
const performance = readFileSync(join(ROOT, 'docs/performance.md'), 'utf8');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** Numbers with a fractional part ("3.43", "0.95"), the kind a measurement has. */
const decimals = (text: string) => text.match(/\d+\.\d+/g) ?? [];

describe('docs/performance.md', () => {
  it.each(performanceTables(result).map((table) => [table.split('\n')[0] as string, table]))('shows the current bench result in the table headed %s', (_header, table) => {
    expect(performance).toContain(table);
  });

  it('quotes in its prose only figures that its tables show', () => {
    const tables = performanceTables(result);
    const prose = tables.reduce((text, table) => text.replace(table, ''), performance).replace(/^```[\s\S]*?^```$/gm, '');
    const shown = new Set(tables.flatMap(decimals));
    expect(decimals(prose).filter((figure) => !shown.has(figure))).toEqual([]);
  });
});

describe('the README', () => {
  it("shows the bench's headline table and links to docs/performance.md", () => {
    expect(readme).toContain(headlineTable(result));
    expect(readme).toContain('(docs/performance.md)');
  });
});
