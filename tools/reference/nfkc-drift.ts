/**
 * Lists the code points whose NFKC in this JavaScript runtime differs from Hugging Face
 * `tokenizers`' (Rust) NFKC normalizer — what src/engine/unicode-drift.ts keeps as they are and
 * docs/limits.md lists. test/engine/unicode-drift.test.ts runs it against the runtime at hand.
 *
 * Run: npx tsx tools/reference/nfkc-drift.ts [PYTHON]  (a Python with `tokenizers`)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One code point that normalizes differently here and in the reference. */
export interface Drift {
  point: number;
  ours: string;
  reference: string;
}

/**
 * Every code point but the surrogates and "\n", which separates them: each is a stable starter, so
 * normalizing them joined by "\n" normalizes each alone, in one call per side.
 */
function codePoints(): number[] {
  const points: number[] = [];
  for (let point = 0; point < 0x110000; point++) if ((point < 0xd800 || point > 0xdfff) && point !== 0x0a) points.push(point);
  return points;
}

const REFERENCE_NFKC = `
import sys
from tokenizers import normalizers
points = [p for p in range(0x110000) if not 0xD800 <= p <= 0xDFFF and p != 0x0A]
sys.stdout.write(normalizers.NFKC().normalize_str("\\n".join(map(chr, points))))
`;

/** `tokenizers`' NFKC of every code point (but the surrogates and "\n"), each alone. */
export function referenceNfkc(python: string): { points: number[]; normalized: string[] } {
  const points = codePoints();
  const normalized = execFileSync(python, ['-c', REFERENCE_NFKC], { maxBuffer: 64 * 1024 * 1024 }).toString('utf8').split('\n');
  if (normalized.length !== points.length) throw new Error(`Expected ${points.length} normalized code points from the reference, got ${normalized.length}.`);
  return { points, normalized };
}

/** Where `normalize` (the runtime's NFKC by default) and the reference's NFKC differ, code point by code point. */
export function nfkcDrift(reference: { points: number[]; normalized: string[] }, normalize: (text: string) => string = (text) => text.normalize('NFKC')): Drift[] {
  const { points, normalized: theirs } = reference;
  const ours = normalize(points.map((point) => String.fromCodePoint(point)).join('\n')).split('\n');
  if (ours.length !== points.length) throw new Error(`Expected ${points.length} normalized code points, got ${ours.length}.`);
  const drift: Drift[] = [];
  points.forEach((point, index) => {
    if (ours[index] !== theirs[index]) drift.push({ point, ours: ours[index] as string, reference: theirs[index] as string });
  });
  return drift;
}

const name = (point: number): string => `U+${point.toString(16).toUpperCase().padStart(4, '0')}`;

/** Code points as docs/limits.md writes them: "U+32FF, U+A7F1–U+A7F4, …". */
export function formatRanges(points: readonly number[]): string {
  const ranges: [number, number][] = [];
  for (const point of [...points].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    if (last && last[1] === point - 1) last[1] = point;
    else ranges.push([point, point]);
  }
  return ranges.map(([first, last]) => (first === last ? name(first) : `${name(first)}–${name(last)}`)).join(', ');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const drift = nfkcDrift(referenceNfkc(process.argv[2] ?? '.cache/reference-python/bin/python'));
  console.log(`${drift.length} code points differ (Node ${process.versions.node}, ICU ${process.versions.icu}, Unicode ${process.versions.unicode}): ${formatRanges(drift.map(({ point }) => point))}`);
  for (const { point, ours, reference } of drift) console.log(`${name(point)} ${JSON.stringify(ours)} (reference ${JSON.stringify(reference)})`);
}
