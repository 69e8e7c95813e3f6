/**
 * The shape of a JSON text, checked before it is parsed: how deep it nests and how many items
 * (array elements and object fields) it holds. `JSON.parse` of a few megabytes of `[[[[…` held the
 * event loop for seconds, and of a million tiny strings for over 100 ms, before any check of the
 * parsed value could run; one pass over the characters costs a few milliseconds, so a body past
 * what any request may hold is refused before the parser sees it.
 */
import { RerankError } from '../core/errors.js';
import { MAX_DOCUMENT_DEPTH } from '../core/documents.js';

/**
 * Levels a request body adds above a document: the body's object and its `documents` (or `texts`)
 * array. A document itself is level one of {@link MAX_DOCUMENT_DEPTH}.
 */
const ENVELOPE_DEPTH = 2;

/** Deepest nesting a request body may have: the documents' own cap, inside the envelope. */
export const MAX_BODY_DEPTH = MAX_DOCUMENT_DEPTH + ENVELOPE_DEPTH;

/**
 * Items (array elements and object fields) a body may hold per document it may carry: room for
 * object documents with many fields, while a body of a million one-letter strings is refused.
 */
export const BODY_ITEMS_PER_DOCUMENT = 100;

export interface JsonShapeLimits {
  /** Deepest nesting of objects and arrays (default {@link MAX_BODY_DEPTH}). */
  maxDepth?: number;
  /** Most items in all; each comma outside a string separates one more. */
  maxItems: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Throws 400 `invalid_documents` — the code the documents' own nesting check answers with — when
 * `text` opens more than `maxDepth` objects and arrays at once, and 413 `payload_too_large` past
 * `maxItems` items. Brackets and commas inside strings don't count; an escaped quote does not end
 * a string. Invalid JSON passes through for the parser to name.
 */
export function checkJsonShape(text: string, { maxDepth = MAX_BODY_DEPTH, maxItems }: JsonShapeLimits): void {
  let depth = 0;
  let separators = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === COMMA) {
      if (++separators >= maxItems) {
        throw new RerankError('payload_too_large', `The request body holds more than ${maxItems} items (array elements and object fields); send fewer documents or fields.`);
      }
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > maxDepth) {
        throw new RerankError('invalid_documents', `The request body nests objects or arrays more than ${maxDepth} deep; a document may nest at most ${MAX_DOCUMENT_DEPTH}.`);
      }
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
  }
}
