/**
 * NFKC here against NFKC in Hugging Face `tokenizers` (Rust), every code point: where the runtime's
 * Unicode tables are newer, src/engine/unicode-drift.ts keeps what the reference keeps, and
 * docs/limits.md lists those code points — both checked against the running Node, so neither goes
 * stale when Node's ICU moves on.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { referenceNormalizer, type TextNormalizer } from '../../src/engine/reference-normalizer.js';
import { KEPT_BY_REFERENCE_NFKC } from '../../src/engine/unicode-drift.js';
import { formatRanges, nfkcDrift, referenceNfkc } from '../../tools/reference/nfkc-drift.js';
import { REFERENCE_PYTHON } from '../support/reference-python.js';

const runtime = `Node ${process.versions.node} (ICU ${process.versions.icu}, Unicode ${process.versions.unicode})`;
let reference: ReturnType<typeof referenceNfkc>;

beforeAll(() => {
  reference = referenceNfkc(REFERENCE_PYTHON);
}, 120_000);

function pointsOf(ranges: readonly (readonly [number, number])[]): number[] {
  return ranges.flatMap(([first, last]) => Array.from({ length: last - first + 1 }, (_, offset) => first + offset));
}

describe('NFKC against Hugging Face tokenizers, code point by code point', () => {
  it("differs on this runtime exactly at the code points webrerank keeps as the reference does", () => {
    const drift = nfkcDrift(reference).map(({ point }) => point);
    console.log(`${runtime}: ${drift.length} code points normalize otherwise than in tokenizers`);
    expect(formatRanges(drift), `${runtime}: update KEPT_BY_REFERENCE_NFKC and docs/limits.md (npx tsx tools/reference/nfkc-drift.ts)`).toBe(formatRanges(pointsOf(KEPT_BY_REFERENCE_NFKC)));
  });

  it("is documented in docs/limits.md with this runtime's list", () => {
    const limits = readFileSync('docs/limits.md', 'utf8');
    const documented = /decomposes (\d+) code points under NFKC that\s+`tokenizers` [\d.]+ leaves alone: ([^.]+)\./.exec(limits);
    expect(documented, 'docs/limits.md names the code points NFKC drifts on').not.toBeNull();
    const [, count, list] = documented as RegExpExecArray;
    const points = pointsOf(KEPT_BY_REFERENCE_NFKC);
    expect(Number(count)).toBe(points.length);
    expect(list?.replace(/\s+/g, ' ')).toBe(formatRanges(points));
  });

  it("gives the reference's NFKC for every code point through webrerank's normalizer", () => {
    const normalize = referenceNormalizer({ type: 'NFKC' }) as TextNormalizer;
    const drift = nfkcDrift(reference, normalize);
    expect(formatRanges(drift.map(({ point }) => point))).toBe('');
  });
});
