/**
 * A copy of a stand-in model folder whose tokenizer.json also has a single-character piece for
 * each character a test's texts use.
 *
 * The stand-in's vocabulary has single characters only for Latin, Greek and Cyrillic: kana, CJK,
 * Hangul, emoji and the rest become `<unk>`, and a run of unknowns one `<unk>`, so two different
 * normalizations of such text can give the same ids. With a piece for every character, ids are
 * equal only when the pieces are. Only tokenizer.json changes (the rest is linked): a folder for
 * encoding, not for scoring, since the new ids lie past the model's embedding table.
 */
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Below every piece of the stand-in's own (its lowest natural piece scores -14). */
const CHARACTER_SCORE = -20;

/**
 * Writes the widened folder into `out` (which must not exist) and returns `out`; `replaced` sets
 * top-level fields of tokenizer.json (another `normalizer`, say).
 */
export function widenTokenizer(modelPath: string, characters: Iterable<string>, out: string, replaced: Record<string, unknown> = {}): string {
  const tokenizer = { ...JSON.parse(readFileSync(join(modelPath, 'tokenizer.json'), 'utf8')), ...replaced } as { model: { vocab: [string, number][] } };
  const { vocab } = tokenizer.model;
  const taken = new Set(vocab.map(([piece]) => piece));
  for (const character of characters) {
    // Spaces never reach the model: Metaspace turns them into "▁".
    if (taken.has(character) || character === ' ') continue;
    taken.add(character);
    // After `<mask>`: the special tokens keep their ids.
    vocab.push([character, CHARACTER_SCORE]);
  }
  mkdirSync(out);
  writeFileSync(join(out, 'tokenizer.json'), JSON.stringify(tokenizer));
  for (const file of ['config.json', 'tokenizer_config.json']) copyFileSync(join(modelPath, file), join(out, file));
  symlinkSync(join(modelPath, 'onnx'), join(out, 'onnx'));
  return out;
}
