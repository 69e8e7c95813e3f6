import { describe, expect, it } from 'vitest';
import { buildPair, capDocumentTokens, capQuery, documentWindows, pairLimits, readPairTemplate, type PairTokenizer } from '../../src/engine/pairs.js';

// A tokenizer with XLM-R's pair layout, one id per word, to check the pair arithmetic exactly.
const words = new Map<string, number>();
const xlmrLike: PairTokenizer = {
  pad_token_id: 1,
  encode(text, options = {}) {
    const ids = (value: string) => value.split(/\s+/).filter(Boolean).map((word) => {
      if (!words.has(word)) words.set(word, 10 + words.size);
      return words.get(word) as number;
    });
    const a = ids(text);
    if (options.add_special_tokens === false) return a;
    if (options.text_pair == null) return [0, ...a, 2];
    return [0, ...a, 2, 2, ...ids(options.text_pair), 2];
  },
};

describe('pairs', () => {
  const template = readPairTemplate(xlmrLike);

  it('reads XLM-R\'s <s> q </s></s> d </s> layout from the tokenizer', () => {
    expect(template).toEqual({ prefix: [0], middle: [2, 2], suffix: [2], padId: 1 });
  });

  it('caps the query at ¾ of max_length, as FlagReranker does', () => {
    const limits = pairLimits(512);
    expect(limits.maxQueryTokens).toBe(384);
    expect(capQuery(Array.from({ length: 1000 }, (_, i) => i), limits)).toHaveLength(384);
  });

  it('cuts only the document, so the pair keeps its final </s>', () => {
    const limits = pairLimits(32);
    const query = capQuery(Array.from({ length: 40 }, () => 7), limits);
    const [window] = documentWindows(Array.from({ length: 100 }, () => 9), query.length, template, limits, 1);
    const pair = buildPair(query, window ?? [], template);
    expect(pair).toHaveLength(32);
    expect(pair[0]).toBe(0);
    expect(pair.at(-1)).toBe(2);
    expect(pair.slice(1, 25)).toEqual(Array(24).fill(7));
  });

  it('cuts a document to max_tokens_per_doc before windowing, and leaves it whole without a cap', () => {
    const document = Array.from({ length: 50 }, (_, i) => i + 10);
    expect(capDocumentTokens(document, 8)).toEqual(document.slice(0, 8));
    expect(capDocumentTokens(document, 500)).toEqual(document);
    expect(capDocumentTokens(document, undefined)).toEqual(document);
    const windows = documentWindows(capDocumentTokens(document, 20), 4, template, pairLimits(16), 10);
    expect(windows.flat()).toEqual(document.slice(0, 20));
  });

  it('splits a long document into consecutive windows up to max_chunks_per_doc', () => {
    const limits = pairLimits(16);
    const document = Array.from({ length: 30 }, (_, i) => 100 + i);
    const windows = documentWindows(document, 2, template, limits, 10);
    expect(windows.map((w) => w.length)).toEqual([10, 10, 10]);
    expect(windows.flat()).toEqual(document);
    expect(documentWindows(document, 2, template, limits, 2)).toHaveLength(2);
  });

  it('gives an empty document one empty window, so it still gets a score', () => {
    expect(documentWindows([], 3, template, pairLimits(16), 4)).toEqual([[]]);
  });
});
