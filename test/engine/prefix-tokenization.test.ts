/**
 * Tokenizing only what a pair keeps: the first N ids of a text, found by searching a prefix of
 * it, are exactly the first N of the whole text's — on generated text of every script, with and
 * without spaces — and a 4 MB text costs what its first few thousand characters do.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { prepareUnigramSearch, unigramPieces, type UnigramVocabulary } from '../../src/engine/unigram-lattice.js';
import { encodeWithTokenLimit } from '../../src/engine/unigram-word-cache.js';
import { fourMegabyteTexts } from '../kit/large-inputs.js';
import { loadTokenizerPair, type Encoder } from '../support/tokenizers.js';

const modelPath = inject('tinyModelDir');

type WithModel = { _tokenizer: { model: UnigramVocabulary & { vocab: string[]; tokenize(word: string): string[] } } };
/** transformers.js as it comes. */
let plain: Encoder;
/** With the word tokenizer installed, as the engine runs it; its whole-text ids are the reference. */
let limited: Encoder;

beforeAll(async () => {
  const pair = await loadTokenizerPair(modelPath);
  ({ plain, cached: limited } = pair);
  expect(pair.installed).toBe(true);
});

/**
 * The whole text's ids, as the engine tokenized before it kept only a prefix. (transformers.js'
 * one search over the whole text can break exact ties between segmentations differently, by
 * rounding of the running sum; unigram-word-cache.test.ts holds the word split to its ids on
 * ordinary text.)
 */
const full = (text: string): number[] => limited.encode(text, { add_special_tokens: false });

/** Runs of one script each: what pasted pages, code and chat logs are made of. */
const SCRIPTS: readonly (readonly [number, number])[] = [
  [0x21, 0x7e], // ASCII
  [0xc0, 0x17f], // Latin with accents
  [0x300, 0x36f], // combining marks (compose under NFKC)
  [0x391, 0x3c9], // Greek
  [0x410, 0x44f], // Cyrillic
  [0x5d0, 0x5ea], // Hebrew
  [0x621, 0x64a], // Arabic
  [0x905, 0x939], // Devanagari
  [0xe01, 0xe2e], // Thai (no spaces between words)
  [0x1100, 0x1175], // Hangul jamo (compose into syllables)
  [0x3041, 0x30ff], // Hiragana, Katakana
  [0x4e00, 0x4fff], // CJK ideographs
  [0xac00, 0xad00], // Hangul syllables
  [0xff01, 0xff9f], // full-width and half-width forms (NFKC rewrites them)
  [0xfb00, 0xfb06], // ligatures (NFKC splits them)
  [0x1f300, 0x1f64f], // emoji
  [0x1d400, 0x1d4ff], // mathematical letters (NFKC folds them)
];
const SEPARATORS = [' ', '  ', '\t', '\n', '\u00a0', '\u3000', '\u2581', ' \u2581 ', '<s>', '</s>', '<mask>', ' <mask> ', '\u200b', '\u0301'];

const run = fc.oneof(
  fc.constantFrom(...SCRIPTS).chain(([first, last]) => fc.array(fc.integer({ min: first, max: last }), { minLength: 1, maxLength: 40 }).map((codes) => String.fromCodePoint(...codes))),
  fc.constantFrom(...SEPARATORS),
  fc.string({ unit: 'binary', maxLength: 12 }),
  // One character repeated: the longest pieces overlap everywhere.
  fc.tuple(fc.constantFrom('a', 'ab', '=', '0', '机', '😀'), fc.integer({ min: 1, max: 300 })).map(([unit, count]) => unit.repeat(count)),
);
const text = fc.array(run, { maxLength: 60 }).map((runs) => runs.join(''));

describe('tokenizing only the ids a pair keeps', () => {
  it('gives the first N ids of the whole text, on generated text of every script', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 400 }), (sample, keep) => {
        expect(encodeWithTokenLimit(limited, sample, keep)).toEqual(full(sample).slice(0, keep));
      }),
      { numRuns: 1500 },
    );
  });

  it('gives the first N ids of text without a single space, where one word is the whole text', () => {
    const unbroken = fc.array(run.map((part) => part.replace(/[\s\u2581]/gu, '')), { minLength: 1, maxLength: 80 }).map((runs) => runs.join(''));
    fc.assert(
      fc.property(unbroken, fc.integer({ min: 1, max: 300 }), (sample, keep) => {
        expect(encodeWithTokenLimit(limited, sample, keep)).toEqual(full(sample).slice(0, keep));
      }),
      { numRuns: 1000 },
    );
  });

  it('finds the same pieces in a long word as transformers.js does', () => {
    const model = (plain as unknown as WithModel)._tokenizer.model;
    const search = prepareUnigramSearch(model);
    // transformers.js fuses each run of unknown pieces into one before they become ids; so do we.
    const fused = (pieces: readonly string[]): string[] => {
      const out: string[] = [];
      let previousUnknown = false;
      for (const piece of pieces) {
        const unknown = !model.tokens_to_ids.has(piece);
        if (unknown && previousUnknown) out[out.length - 1] += piece;
        else out.push(piece);
        previousUnknown = unknown;
      }
      return out;
    };
    const word = fc.array(run.map((part) => part.replace(/[\s\u2581]/gu, '')), { minLength: 1, maxLength: 30 }).map((runs) => `\u2581${runs.join('')}`);
    fc.assert(
      fc.property(word, (sample) => {
        expect(unigramPieces(Array.from(sample), search)).toEqual(fused(model.tokenize(sample)));
      }),
      { numRuns: 500 },
    );
    expect(search.longest).toBeGreaterThan(1);
  });

  it('gives the same ids with and without a limit on short text', () => {
    for (const sample of ['What is machine learning?', 'x', '机器学习 😀 <mask> café', '']) {
      expect(limited.encode(sample, { add_special_tokens: false })).toEqual(full(sample));
      expect(encodeWithTokenLimit(limited, sample, 10_000)).toEqual(full(sample));
    }
  });

  it('keeps the first 512 ids of a 4 MB text of each kind: those of its first 64 KB', () => {
    for (const [kind, sample] of Object.entries(fourMegabyteTexts())) {
      expect(encodeWithTokenLimit(limited, sample, 512), kind).toEqual(full(sample.slice(0, 65_536)).slice(0, 512));
    }
  });
});
