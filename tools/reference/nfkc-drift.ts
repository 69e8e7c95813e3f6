/**
 * Lists the code points whose NFKC in this JavaScript runtime differs from Hugging Face
 * `tokenizers`' (Rust) NFKC normalizer — what a tokenizer.json that asks for `NFKC` gives
 * differently here (docs/limits.md). Each code point is normalized alone on both sides.
 *
 * Run: npx tsx tools/reference/nfkc-drift.ts [PYTHON]  (a Python with `tokenizers`)
 */
import { execFileSync } from 'node:child_process';

const python = process.argv[2] ?? '.cache/reference-python/bin/python';
const script = `
import json, sys
from tokenizers import normalizers
nfkc = normalizers.NFKC()
out = {}
for point in range(0x110000):
    if 0xD800 <= point <= 0xDFFF:
        continue
    normalized = nfkc.normalize_str(chr(point))
    if normalized != chr(point):
        out[point] = normalized
json.dump(out, sys.stdout)
`;
const reference = JSON.parse(execFileSync(python, ['-c', script], { maxBuffer: 256 * 1024 * 1024 }).toString()) as Record<string, string>;
const differing: string[] = [];
for (let point = 0; point < 0x110000; point++) {
  if (point >= 0xd800 && point <= 0xdfff) continue;
  const character = String.fromCodePoint(point);
  const theirs = reference[point] ?? character;
  const ours = character.normalize('NFKC');
  if (ours !== theirs) differing.push(`U+${point.toString(16).toUpperCase().padStart(4, '0')} ${JSON.stringify(ours)} (reference ${JSON.stringify(theirs)})`);
}
console.log(`${differing.length} code points differ (Node ${process.versions.node}, ICU ${process.versions.icu}, Unicode ${process.versions.unicode}):`);
for (const line of differing) console.log(line);
