import { describe, expect, it } from 'vitest';
import { RerankError, isRerankError } from '../../src/core/errors.js';
import { validateRerankRequest, validateRerankResponse } from '../../src/core/contract.js';

const valid = { model: 'BAAI/bge-reranker-v2-m3', query: 'What is machine learning?', documents: ['a', 'b'] };

function rejection(body: unknown, limits = {}): RerankError {
  try {
    validateRerankRequest(body, limits);
  } catch (error) {
    expect(isRerankError(error)).toBe(true);
    return error as RerankError;
  }
  throw new Error('expected a rejection');
}

describe('validateRerankRequest', () => {
  it('accepts the hosted API example body and returns it typed', () => {
    expect(validateRerankRequest(valid)).toEqual(valid);
  });

  it('keeps the optional fields and treats null as absent', () => {
    expect(validateRerankRequest({ ...valid, top_n: 1, return_documents: true, max_chunks_per_doc: 3 })).toEqual({
      ...valid,
      top_n: 1,
      return_documents: true,
      max_chunks_per_doc: 3,
    });
    expect(validateRerankRequest({ ...valid, top_n: null, return_documents: null })).toEqual(valid);
  });

  it.each([
    ['a non-object body', 'nope', 'invalid_request', /JSON object/],
    ['an array body', [valid], 'invalid_request', /JSON object/],
    ['null', null, 'invalid_request', /JSON object/],
    ['a missing model', { query: 'q', documents: ['a'] }, 'invalid_request', /model is required/],
    ['a numeric model', { ...valid, model: 7 }, 'invalid_request', /^model must be a string\.$/],
    ['an empty model', { ...valid, model: '' }, 'invalid_request', /model must not be empty/],
    ['a missing query', { model: 'm', documents: ['a'] }, 'invalid_request', /query is required/],
    ['a numeric query', { ...valid, query: 42 }, 'invalid_request', /^query must be a string\.$/],
    ['an empty query', { ...valid, query: '' }, 'empty_query', /query must not be empty/],
    ['a blank query', { ...valid, query: '  \n\t' }, 'empty_query', /query must not be empty/],
    ['missing documents', { model: 'm', query: 'q' }, 'invalid_documents', /^documents is required\.$/],
    ['documents as a string', { ...valid, documents: 'a' }, 'invalid_documents', /documents must be an array of strings, got a string/],
    ['empty documents', { ...valid, documents: [] }, 'empty_documents', /documents must not be empty/],
    ['a number among documents', { ...valid, documents: ['a', 'b', 3] }, 'invalid_documents', /documents\[2\] must be a string, got the number 3/],
    ['an object without text among documents', { ...valid, documents: [{ title: 'a' }] }, 'invalid_documents', /documents\[0\] is an object without a text field/],
    ['top_n zero', { ...valid, top_n: 0 }, 'invalid_top_n', /top_n must be a positive integer, got the number 0/],
    ['top_n negative', { ...valid, top_n: -2 }, 'invalid_top_n', /positive integer/],
    ['top_n fractional', { ...valid, top_n: 1.5 }, 'invalid_top_n', /positive integer/],
    ['top_n as a string', { ...valid, top_n: '2' }, 'invalid_top_n', /got a string/],
    ['return_documents as a string', { ...valid, return_documents: 'yes' }, 'invalid_request', /^return_documents must be a boolean\.$/],
    ['max_chunks_per_doc zero', { ...valid, max_chunks_per_doc: 0 }, 'invalid_max_chunks_per_doc', /positive integer/],
  ])('rejects %s with 400', (_label, body, code, message) => {
    const error = rejection(body);
    expect(error.status).toBe(400);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('rejects more documents than the limit with 400, default 1000', () => {
    expect(() => validateRerankRequest({ ...valid, documents: Array(1000).fill('x') })).not.toThrow();
    const error = rejection({ ...valid, documents: Array(1001).fill('x') });
    expect([error.status, error.code]).toEqual([400, 'too_many_documents']);
    expect(error.message).toMatch(/1001 documents; at most 1000/);
    expect(rejection({ ...valid, documents: ['a', 'b', 'c'] }, { maxDocuments: 2 }).code).toBe('too_many_documents');
  });

  it('rejects a query or document over maxDocumentCharacters with 413 document_too_large, naming it', () => {
    expect(() => validateRerankRequest({ ...valid, documents: ['x'.repeat(4_000_000)] })).not.toThrow();
    const error = rejection({ ...valid, query: 'q', documents: ['ok', 'x'.repeat(11)] }, { maxDocumentCharacters: 10 });
    expect([error.status, error.code]).toEqual([413, 'document_too_large']);
    expect(error.message).toMatch(/documents\[1\] has 11 characters; at most 10/);
    expect(rejection({ ...valid, query: 'q'.repeat(11) }, { maxDocumentCharacters: 10 }).message).toMatch(/^query has 11/);
    expect(rejection({ ...valid, documents: ['x'.repeat(5 * 1024 * 1024 + 1)] }).code).toBe('document_too_large');
  });

  it('rejects query and documents over maxTotalCharacters together with 413 payload_too_large', () => {
    const error = rejection({ ...valid, query: 'abc', documents: ['x'.repeat(5), 'y'.repeat(5)] }, { maxTotalCharacters: 12 });
    expect([error.status, error.code]).toEqual([413, 'payload_too_large']);
    expect(error.message).toMatch(/13 characters; at most 12/);
  });

  it('rejects a model it does not serve with 400 that lists the served models', () => {
    const error = rejection({ ...valid, model: 'other/model' }, { models: ['BAAI/bge-reranker-v2-m3', 'local/tiny'] });
    expect([error.status, error.code]).toEqual([400, 'unknown_model']);
    expect(error.message).toContain('Served models: BAAI/bge-reranker-v2-m3, local/tiny');
  });

  it('ignores fields it does not know, as the hosted API does', () => {
    expect(validateRerankRequest({ ...valid, user: 'x' })).toEqual(valid);
  });
});

describe('validateRerankResponse', () => {
  const request = { ...valid };

  it('fills model and usage when the server only sends results', () => {
    const response = validateRerankResponse({ results: [{ index: 1, relevance_score: 0.9 }, { index: 0, relevance_score: 0.1 }] }, request);
    expect(response).toEqual({
      results: [{ index: 1, relevance_score: 0.9 }, { index: 0, relevance_score: 0.1 }],
      model: valid.model,
      usage: { total_tokens: 0 },
    });
  });

  it.each([
    ['no results', {}, 'invalid_response'],
    ['a string score', { results: [{ index: 0, relevance_score: 'high' }] }, 'invalid_response'],
    ['an index past the documents', { results: [{ index: 5, relevance_score: 0.5 }] }, 'invalid_response'],
    ['a negative index', { results: [{ index: -1, relevance_score: 0.5 }] }, 'invalid_response'],
  ])('refuses a response with %s as a 500', (_label, body, code) => {
    try {
      validateRerankResponse(body, request);
      throw new Error('expected a rejection');
    } catch (error) {
      expect((error as RerankError).code).toBe(code);
      expect((error as RerankError).status).toBe(500);
    }
  });
});
