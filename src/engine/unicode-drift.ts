/**
 * Unicode normalization as Hugging Face `tokenizers` (Rust) does it, on a runtime whose Unicode
 * tables are newer than the Rust library's.
 *
 * `tokenizers` 0.23 normalizes with tables of an older Unicode version: code points assigned since
 * are unknown to it and left as they are, while Node 22.23 (ICU 78.3, Unicode 17) decomposes 171 of
 * them under NFKC/NFKD (U+32FF → "令和", U+1F16C → "MR", …). Each such code point is a stable
 * starter on both sides (nothing composes with it or reorders across it), so normalizing the text
 * between them and keeping them gives what the reference gives. docs/limits.md lists them;
 * test/engine/unicode-drift.test.ts checks this list, and that one, against the running runtime.
 */

/** Code points Node's NFKC changes and `tokenizers`' NFKC leaves alone: [first, last] ranges. */
export const KEPT_BY_REFERENCE_NFKC: readonly (readonly [number, number])[] = [
  [0x32ff, 0x32ff],
  [0xa7f1, 0xa7f4],
  [0xab69, 0xab69],
  [0x10781, 0x10785],
  [0x10787, 0x107b0],
  [0x107b2, 0x107ba],
  [0x1ccd6, 0x1ccf9],
  [0x1e030, 0x1e06d],
  [0x1f16c, 0x1f16c],
  [0x1fbf0, 0x1fbf9],
];

const hex = (point: number): string => `\\u{${point.toString(16)}}`;
const KEPT = new RegExp(`[${KEPT_BY_REFERENCE_NFKC.map(([first, last]) => (first === last ? hex(first) : `${hex(first)}-${hex(last)}`)).join('')}]`, 'u');
const KEPT_RUN = new RegExp(`(${KEPT.source}+)`, 'u');

/** `text.normalize(form)`, except that the code points of {@link KEPT_BY_REFERENCE_NFKC} stay as they are. */
export function normalizeAsReference(text: string, form: 'NFC' | 'NFD' | 'NFKC' | 'NFKD'): string {
  if (!KEPT.test(text)) return text.normalize(form);
  // split() with a capturing group: odd positions are the kept runs.
  return text
    .split(KEPT_RUN)
    .map((part, index) => (index % 2 === 1 ? part : part.normalize(form)))
    .join('');
}
