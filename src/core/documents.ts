/**
 * Documents as the model reads them. A document may be a string, an object with `text`, or any
 * fields with `rank_fields` choosing and ordering the ones to rank on — joined as `key: value`
 * lines, as Cohere v1 does. The library's `rerank()` and the server both assemble texts here, so
 * the same request is refused or ranked the same way everywhere.
 *
 * Assembly is bounded by the request: every character counts against the limits as it is added,
 * so a small body that names a field many times, or nests objects deeply, is refused before it
 * can cost memory or time — and before any model runs.
 */
import { RerankError } from './errors.js';

/** A document as the hosted API (Cohere v1) takes it. */
export type RerankDocument = string | Record<string, unknown>;

/** Most names `rank_fields` may hold (repeats included): a document has no use for more. */
export const MAX_RANK_FIELDS = 100;

/**
 * Deepest nesting of objects and arrays inside an object document. A document is echoed back
 * (`return_documents`) and its fields are written out as JSON, both of which recurse.
 */
export const MAX_DOCUMENT_DEPTH = 32;

/** Character limits the assembly enforces as it goes. */
export interface TextLimits {
  /** Longest single text (query or document). */
  perText: number;
  /** Most characters of query and documents together. */
  total: number;
  /** Characters already spent (the query). */
  spent: number;
}

/** `rank_fields` as given, checked: at most {@link MAX_RANK_FIELDS} strings, repeats dropped. */
export function rankFieldNames(rankFields: readonly string[] | null | undefined): string[] {
  if (rankFields == null) return [];
  if (rankFields.length > MAX_RANK_FIELDS) {
    throw new RerankError('invalid_request', `rank_fields holds ${rankFields.length} names; at most ${MAX_RANK_FIELDS} are allowed.`);
  }
  return [...new Set(rankFields)];
}

/**
 * The text the model ranks for each document. Throws 400 `invalid_documents` naming the index
 * (an object without text, or nested too deep), 413 `document_too_large` or `payload_too_large`
 * the moment a text or the whole request passes its limit.
 */
export function documentTexts(documents: readonly RerankDocument[], rankFields: readonly string[] | null | undefined, limits: TextLimits): string[] {
  const fields = rankFieldNames(rankFields);
  const counter = new CharacterCounter(limits);
  return documents.map((given, index) => {
    counter.next();
    if (typeof given === 'string') {
      counter.add(index, given.length, true);
      return given;
    }
    checkDepth(given, index);
    if (fields.length > 0) return fieldLines(given, fields, index, counter);
    if (!Object.hasOwn(given, 'text') || typeof given.text !== 'string') {
      throw new RerankError('invalid_documents', `documents[${index}] is an object without a text field; give it one, or name the fields to rank on in rank_fields.`);
    }
    counter.add(index, given.text.length, true);
    return given.text;
  });
}

/** The document's own `rank_fields` as `key: value` lines, counted line by line. */
function fieldLines(given: Record<string, unknown>, fields: readonly string[], index: number, counter: CharacterCounter): string {
  const lines: string[] = [];
  for (const field of fields) {
    // Own properties only: `constructor` or `toString` are not a document's fields.
    if (!Object.hasOwn(given, field)) continue;
    const value = given[field];
    if (value === undefined || value === null) continue;
    const line = `${field}: ${fieldText(value)}`;
    counter.add(index, line.length + (lines.length > 0 ? 1 : 0));
    lines.push(line);
  }
  return lines.join('\n');
}

/** A field's value as text: strings as they are, anything else as JSON. */
function fieldText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Walks the document without recursion and refuses it past {@link MAX_DOCUMENT_DEPTH}. */
function checkDepth(given: Record<string, unknown>, index: number): void {
  const stack: [unknown, number][] = [[given, 1]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [value, depth] = entry;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_DOCUMENT_DEPTH) {
      throw new RerankError('invalid_documents', `documents[${index}] nests objects or arrays more than ${MAX_DOCUMENT_DEPTH} deep.`);
    }
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
}

/** Running totals per text and per request; throws the moment either passes its limit. */
class CharacterCounter {
  readonly #limits: TextLimits;
  #total: number;
  #current = 0;

  constructor(limits: TextLimits) {
    this.#limits = limits;
    this.#total = limits.spent;
  }

  /** Counts `characters` more of document `index`; `whole` when they are all of it. */
  add(index: number, characters: number, whole = false): void {
    this.#current += characters;
    this.#total += characters;
    if (this.#current > this.#limits.perText) {
      const size = whole ? `${this.#current}` : `at least ${this.#current}`;
      throw new RerankError('document_too_large', `documents[${index}] has ${size} characters; at most ${this.#limits.perText} are allowed per document.`);
    }
    if (this.#total > this.#limits.total) {
      throw new RerankError('payload_too_large', `query and documents hold at least ${this.#total} characters; at most ${this.#limits.total} are allowed per request.`);
    }
  }

  /** Starts the next document. */
  next(): void {
    this.#current = 0;
  }
}
