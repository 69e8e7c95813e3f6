/**
 * The Unigram word cache on the stand-in model's real tokenizer (XLM-R layout): the same token ids
 * as transformers.js without it, on text chosen to catch a wrong split, and only installed where
 * splitting at "▁" cannot change the result.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { cacheUnigramWords } from '../../src/engine/unigram-word-cache.js';
import { mixedDocuments } from '../kit/documents.js';
import { loadTokenizerPair, type Encoder } from '../support/tokenizers.js';

const modelPath = inject('tinyModelDir');

let plain: Encoder;
let cached: Encoder;
let installed: boolean;

beforeAll(async () => {
  ({ plain, cached, installed } = await loadTokenizerPair(modelPath));
});

const TRICKY = [
  'What is machine learning?',
  'the the the the the',
  '  leading and   repeated   spaces\tand\ttabs\nand\nnewlines  ',
  'Café naïve résumé — Straße, ﬁne ligatures, full-width ＡＢＣ１２３',
  '機械学習とは何ですか？ 深度学习 기계 학습',
  'emoji 🚀🔥 mixed with text👍and numbers 3.14159 1,000,000',
  'punctuation!!! (brackets) [more] {braces} "quotes" \'single\' #hash @at',
  `a ${'verylongwordwithoutanyspaces'.repeat(8)} after`,
  'x',
  '▁already▁has▁the▁marker',
];

describe('the Unigram word cache', () => {
  it('is installed for the XLM-R tokenizer layout (Metaspace with split, no "▁" inside a piece)', () => {
    expect(installed).toBe(true);
  });

  it('gives the same ids as transformers.js on tricky text, cold and then warm', () => {
    for (let round = 0; round < 2; round++) {
      for (const text of TRICKY) {
        expect(cached.encode(text, { add_special_tokens: false }), text).toEqual(plain.encode(text, { add_special_tokens: false }));
      }
    }
  });

  it('gives the same ids on 200 seeded documents of up to 600 words', () => {
    for (const text of mixedDocuments(200, 1, 600, 17)) {
      expect(cached.encode(text, { add_special_tokens: false })).toEqual(plain.encode(text, { add_special_tokens: false }));
    }
  });

  it('stays out where splitting could change the tokens', () => {
    const tokenizer = (preTokenizer: unknown, vocab: string[]) => ({
      _tokenizer: { model: { vocab, tokenize: () => [], populate_nodes: () => undefined }, tokenizer: { pre_tokenizer: preTokenizer } },
    });
    const metaspace = { type: 'Metaspace', replacement: '\u2581', split: true };
    expect(cacheUnigramWords(tokenizer(metaspace, ['\u2581a', 'b']))).toBe(true);
    expect(cacheUnigramWords(tokenizer(metaspace, ['\u2581New\u2581York']))).toBe(false);
    expect(cacheUnigramWords(tokenizer({ ...metaspace, split: false }, ['\u2581a']))).toBe(false);
    expect(cacheUnigramWords(tokenizer({ type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, metaspace] }, ['\u2581a']))).toBe(true);
    expect(cacheUnigramWords(tokenizer({ type: 'ByteLevel' }, ['a']))).toBe(false);
    expect(cacheUnigramWords({ _tokenizer: { model: { vocab: ['a'], tokenize: () => [] } } })).toBe(false); // BPE-like: no lattice
  });
});
