/** The default limits of one request, shared by the validator and its error messages. */

export const DEFAULT_MAX_DOCUMENTS = 1000;
/**
 * Default longest text and most text per request: 5 Mi characters, the server's default body limit
 * (a JSON body can't hold more characters than bytes), so the browser, Node and the server refuse
 * the same requests. Only the tokens a pair keeps are ever tokenized, so the cost of a long text
 * is bounded; what this caps is the memory a request holds.
 */
export const DEFAULT_MAX_DOCUMENT_CHARACTERS = 5 * 1024 * 1024;
export const DEFAULT_MAX_TOTAL_CHARACTERS = 5 * 1024 * 1024;

/**
 * Most windows one document may be cut into (`max_chunks_per_doc`): with the most documents per
 * request, it bounds the model runs one request can ask for.
 */
export const MAX_CHUNKS_PER_DOC = 64;
