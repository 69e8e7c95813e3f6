/**
 * The nesting depth of a JSON text, checked before it is parsed. `JSON.parse` of a few megabytes of
 * `[[[[…` holds the event loop for seconds before any check of the parsed value can run; one pass
 * over the characters costs milliseconds, so a body nested past what any request may hold is
 * refused before the parser sees it.
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

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Throws 400 `invalid_documents` — the code the documents' own nesting check answers with — when
 * `text` opens more than `maxDepth` objects and arrays at once. Brackets inside strings don't
 * count; an escaped quote does not end a string. Invalid JSON passes through for the parser to name.
 */
export function checkJsonDepth(text: string, maxDepth: number = MAX_BODY_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > maxDepth) {
        throw new RerankError('invalid_documents', `The request body nests objects or arrays more than ${maxDepth} deep; a document may nest at most ${MAX_DOCUMENT_DEPTH}.`);
      }
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
  }
}
