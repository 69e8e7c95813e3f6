/** The pure parts of the server's dialects: Cohere v1 object documents as text, model aliases. */
import { describe, expect, it } from 'vitest';
import { isRerankError } from '../../src/core/errors.js';
import { documentTexts as textsWithin } from '../../src/core/documents.js';
import { parseModelAliases, resolveModel } from '../../src/server/model-aliases.js';
import { validateRerankRequest } from '../../src/core/contract.js';

const roomy = { perText: 1000, total: 10_000, spent: 0 };
const documentTexts = (documents: Parameters<typeof textsWithin>[0], rankFields: string[] | undefined) => textsWithin(documents, rankFields, roomy);

describe('Cohere v1 documents as text', () => {
  it('keeps strings, takes an object’s text, and joins rank_fields as "key: value" lines in their order', () => {
    expect(documentTexts(['plain', { text: 'from text', title: 'ignored' }], undefined)).toEqual(['plain', 'from text']);
    expect(documentTexts([{ body: 'B', title: 'T', year: 2024, tags: ['a'] }], ['title', 'body', 'year', 'tags'])).toEqual(['title: T\nbody: B\nyear: 2024\ntags: ["a"]']);
  });

  it('skips rank_fields a document lacks', () => {
    expect(documentTexts([{ title: 'T' }], ['title', 'body'])).toEqual(['title: T']);
  });

  it('refuses an object without text when no rank_fields are given, naming the index', () => {
    let thrown: unknown;
    try {
      documentTexts(['ok', { title: 'T' }], undefined);
    } catch (error) {
      thrown = error;
    }
    expect(isRerankError(thrown) && thrown.code === 'invalid_documents' && thrown.message.includes('documents[1]')).toBe(true);
  });
});

describe('model aliases', () => {
  it('maps each ALIAS=MODEL and leaves other names alone', () => {
    const aliases = parseModelAliases(['rerank-english-v2.0=BAAI/bge-reranker-v2-m3', ' rerank-v3.5 = BAAI/bge-reranker-v2-m3 ']);
    expect(resolveModel(aliases, 'rerank-english-v2.0')).toBe('BAAI/bge-reranker-v2-m3');
    expect(resolveModel(aliases, 'rerank-v3.5')).toBe('BAAI/bge-reranker-v2-m3');
    expect(resolveModel(aliases, 'other')).toBe('other');
    expect(resolveModel(aliases, 'constructor')).toBe('constructor');
  });

  it("lets the real model's id (or an alias of it) reach a lone stand-in, and nothing else", () => {
    const aliases = parseModelAliases(['rerank-v3.5=BAAI/bge-reranker-v2-m3']);
    const servedFor = (name: string, models: string[]) => validateRerankRequest({ model: resolveModel(aliases, name), query: 'q', documents: ['d'] }, { models }).model;
    expect(servedFor('BAAI/bge-reranker-v2-m3', ['webrerank/standin-tiny'])).toBe('webrerank/standin-tiny');
    expect(servedFor('rerank-v3.5', ['webrerank/standin-tiny'])).toBe('webrerank/standin-tiny');
    expect(() => servedFor('other/model', ['webrerank/standin-tiny'])).toThrow(/not served here/);
    expect(() => servedFor('BAAI/bge-reranker-v2-m3', ['team/my-model'])).toThrow(/not served here/);
    expect(() => servedFor('BAAI/bge-reranker-v2-m3', ['webrerank/standin-tiny', 'team/my-model'])).toThrow(/not served here/);
  });

  it.each([['no-equals'], ['=model'], ['alias='], ['a=b', 'a=c']])('refuses %j with a 400 naming the flag', (...pairs) => {
    expect(() => parseModelAliases(pairs)).toThrow(/--model-alias/);
  });
});
