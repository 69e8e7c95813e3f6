/**
 * Cohere v1's object documents as text. A document may be a string, an object with `text`, or any
 * fields with `rank_fields` choosing and ordering the ones to rank on — joined as `key: value`
 * lines, as Cohere does.
 */
import { RerankError } from '../../core/errors.js';

/** A document as Cohere v1 takes it. */
export type CohereDocument = string | Record<string, unknown>;

/** The text the model ranks for each document; throws 400 `invalid_documents` naming the index. */
export function documentTexts(documents: readonly CohereDocument[], rankFields: readonly string[] | undefined): string[] {
  return documents.map((document, index) => {
    if (typeof document === 'string') return document;
    if (rankFields !== undefined && rankFields.length > 0) {
      return rankFields
        .filter((field) => document[field] !== undefined && document[field] !== null)
        .map((field) => `${field}: ${fieldText(document[field])}`)
        .join('\n');
    }
    if (typeof document.text !== 'string') {
      throw new RerankError('invalid_documents', `documents[${index}] is an object without a text field; give it one, or name the fields to rank on in rank_fields.`);
    }
    return document.text;
  });
}

/** A field's value as text: strings as they are, anything else as JSON. */
function fieldText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
