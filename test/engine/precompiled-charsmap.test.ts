/**
 * The `Precompiled` normalizer on sentencepiece's `nmt_nfkc` charsmap (the fixture the stand-in
 * carries), for the behaviours the reference is known for; the differential test
 * (test/engine/reference-parity.test.ts) checks it against the reference itself.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PrecompiledCharsmap } from '../../src/engine/precompiled-charsmap.js';

const charsmap = new PrecompiledCharsmap(new Uint8Array(readFileSync('tools/standin/nmt-nfkc-charsmap.bin')));

describe('the Precompiled charsmap normalizer', () => {
  it('leaves plain ASCII text as it is', () => {
    expect(charsmap.normalize('The quick brown fox, 42 times.')).toBe('The quick brown fox, 42 times.');
  });

  it('folds full-width and compatibility forms as NFKC does', () => {
    expect(charsmap.normalize('Ｈｅｌｌｏ ﬁ')).toBe('Hello fi');
  });

  it('keeps a half-width voiced mark as a separate combining mark (ｶﾞ: カ + U+3099), where NFKC composes ガ', () => {
    expect(charsmap.normalize('ｶﾞ')).toBe('カ\u3099');
    expect('ｶﾞ'.normalize('NFKC')).toBe('ガ');
  });

  it('replaces a short cluster by its first rule only, as sentencepiece does (o + two marks: ö)', () => {
    expect(charsmap.normalize('o\u0308\u0304')).toBe('ö');
  });

  it('turns tabs and line breaks into spaces', () => {
    expect(charsmap.normalize('a\tb\nc')).toBe('a b c');
  });

  it('refuses bytes that are not a charsmap', () => {
    expect(() => new PrecompiledCharsmap(new Uint8Array([1, 0, 0]))).toThrow(/too short/);
    expect(() => new PrecompiledCharsmap(new Uint8Array([255, 255, 0, 0, 1, 2]))).toThrow(/declares a trie/);
  });
});
