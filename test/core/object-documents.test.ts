/**
 * Object documents are assembled within the request's limits: `rank_fields` is capped and
 * deduplicated, only a document's own fields count, nesting is bounded, and the character limits
 * stop the assembly the moment they are passed — before the texts of later documents are built.
 */
import { describe, expect, it } from 'vitest';
import { checkRequestSize, validateRerankRequest } from '../../src/core/contract.js';
import { documentTexts, MAX_DOCUMENT_DEPTH, MAX_RANK_FIELDS } from '../../src/core/documents.js';
import { isRerankError, type RerankError } from '../../src/core/errors.js';

const roomy = { perText: 100_000, total: 1_000_000, spent: 0 };
const base = { model: 'm', query: 'q' };

function failure(work: () => unknown): RerankError {
  try {
    work();
  } catch (error) {
    if (isRerankError(error)) return error;
    throw error;
  }
  throw new Error('expected a RerankError');
}

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 'x' };
  for (let level = 1; level < depth; level++) value = { inner: value };
  return value;
}

describe('rank_fields', () => {
  it('names a repeated field once: the text holds each field a single time', () => {
    expect(documentTexts([{ a: 'x', b: 'y' }], ['a', 'b', 'a', 'a'], roomy)).toEqual(['a: x\nb: y']);
  });

  it(`refuses more than ${MAX_RANK_FIELDS} names with 400 before reading a document`, () => {
    const error = failure(() => validateRerankRequest({ ...base, documents: [{ a: 'x' }], rank_fields: Array(MAX_RANK_FIELDS + 1).fill('a') }));
    expect([error.status, error.code]).toEqual([400, 'invalid_request']);
    expect(error.message).toContain('rank_fields');
  });

  it('refuses a body with a huge rank_fields array before any schema walks it', () => {
    const error = failure(() => checkRequestSize({ rank_fields: Array(1_000_000).fill('a') }, {}));
    expect([error.status, error.code]).toEqual([400, 'invalid_request']);
  });

  it('reads only the document’s own fields, never inherited ones like constructor or toString', () => {
    expect(documentTexts([{ a: 'x' }], ['constructor', 'toString', 'a', '__proto__'], roomy)).toEqual(['a: x']);
    expect(failure(() => documentTexts([{ title: 'T' }, Object.create({ text: 'inherited' }) as Record<string, unknown>], undefined, roomy)).code).toBe('invalid_documents');
  });
});

describe('bounded assembly', () => {
  it('stops at the per-request limit while building, before later documents are looked at', () => {
    const documents: Record<string, unknown>[] = Array.from({ length: 100 }, () => ({ a: 'x'.repeat(1000) }));
    // Past the limit, a document that would be refused for its own reason is never reached.
    documents[50] = nested(MAX_DOCUMENT_DEPTH + 5);
    const error = failure(() => documentTexts(documents, ['a'], { perText: 100_000, total: 10_000, spent: 0 }));
    expect([error.status, error.code]).toEqual([413, 'payload_too_large']);
  });

  it('stops a single document at the per-document limit with 413 naming it', () => {
    const fields = Array.from({ length: 10 }, (_, index) => `f${index}`);
    const document = Object.fromEntries(fields.map((field) => [field, 'y'.repeat(100)]));
    const error = failure(() => documentTexts(['short', document], fields, { perText: 500, total: 1_000_000, spent: 0 }));
    expect([error.status, error.code]).toEqual([413, 'document_too_large']);
    expect(error.message).toContain('documents[1]');
  });

  it('counts the query against the per-request limit', () => {
    expect(failure(() => documentTexts(['abc'], undefined, { perText: 100, total: 10, spent: 8 })).code).toBe('payload_too_large');
  });

  it(`refuses objects nested deeper than ${MAX_DOCUMENT_DEPTH} with 400, also 100,000 deep`, () => {
    expect(documentTexts([nested(MAX_DOCUMENT_DEPTH)], ['inner'], roomy)).toHaveLength(1);
    for (const depth of [MAX_DOCUMENT_DEPTH + 1, 100_000]) {
      const error = failure(() => documentTexts([nested(depth)], ['inner'], roomy));
      expect([error.status, error.code]).toEqual([400, 'invalid_documents']);
    }
  });
});

describe('the library takes object documents as the server does', () => {
  it('validates object documents into the texts the model ranks', () => {
    const request = validateRerankRequest({ ...base, documents: ['plain', { text: 'given text' }, { title: 'T', body: 'B' }], rank_fields: ['title', 'body'] });
    expect(request.documents).toEqual(['plain', '', 'title: T\nbody: B']);
    expect(validateRerankRequest({ ...base, documents: [{ text: 'given text' }] }).documents).toEqual(['given text']);
  });
});

describe('echoed values', () => {
  it('quotes at most a short piece of an unknown 4 MB model name', () => {
    const error = failure(() => validateRerankRequest({ model: 'm'.repeat(4_000_000), query: 'q', documents: ['d'] }, { models: ['served'] }));
    expect(error.code).toBe('unknown_model');
    expect(error.message.length).toBeLessThan(300);
  });
});
