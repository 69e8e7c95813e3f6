/**
 * The one pass over a request body before it is parsed: nesting and item count, with brackets,
 * commas and escaped quotes inside strings left alone.
 */
import { describe, expect, it } from 'vitest';
import { MAX_DOCUMENT_DEPTH } from '../../src/core/documents.js';
import { MAX_BODY_DEPTH, checkJsonShape } from '../../src/server/json-shape.js';

const roomy = { maxItems: 1_000_000 };
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('checkJsonShape', () => {
  it('holds the documents’ own cap plus the body and its documents array, from one number', () => {
    expect(MAX_BODY_DEPTH).toBe(MAX_DOCUMENT_DEPTH + 2);
  });

  it(`lets ${MAX_BODY_DEPTH} levels through and refuses one more with 400 invalid_documents`, () => {
    expect(() => checkJsonShape(nested(MAX_BODY_DEPTH), roomy)).not.toThrow();
    expect(() => checkJsonShape(nested(MAX_BODY_DEPTH + 1), roomy)).toThrow(expect.objectContaining({ status: 400, code: 'invalid_documents' }));
  });

  it('counts brackets only outside strings, and an escaped quote does not end a string', () => {
    const inString = JSON.stringify({ text: `${'['.repeat(1000)}\\"${'{'.repeat(1000)}` });
    expect(() => checkJsonShape(inString, roomy)).not.toThrow();
    // The escaped quote keeps the brackets after it inside the string; an escaped backslash does not.
    expect(() => checkJsonShape(`{"a":"\\\\"${nested(MAX_BODY_DEPTH)}}`, roomy)).toThrow(expect.objectContaining({ code: 'invalid_documents' }));
  });

  it('refuses more items than allowed with 413, counting commas outside strings only', () => {
    expect(() => checkJsonShape(JSON.stringify(Array(10).fill('a')), { maxItems: 10 })).not.toThrow();
    expect(() => checkJsonShape(JSON.stringify(Array(11).fill('a')), { maxItems: 10 })).toThrow(expect.objectContaining({ status: 413, code: 'payload_too_large' }));
    expect(() => checkJsonShape(JSON.stringify(['a,b,c,d,e,f,g,h,i,j,k,l']), { maxItems: 2 })).not.toThrow();
  });

  it('passes invalid JSON through for the parser to name', () => {
    expect(() => checkJsonShape(']]]}}}{"a": ', roomy)).not.toThrow();
  });
});
