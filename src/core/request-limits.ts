/**
 * The size limits of one request, and their defaults (shared by the validator and its error
 * messages). One `RequestLimits` object travels from the outermost caller — `webrerank serve`'s
 * flags, `startServer({ limits })`, `createReranker({ … })` — down to the engine, so every
 * boundary refuses by the same numbers.
 */

/** How big one request may be. Absent fields take the defaults below. */
export interface RequestLimits {
  /** Most documents one request may hold (default 1000); more → 400 `too_many_documents`. */
  maxDocuments?: number;
  /** Longest query or document, in characters (UTF-16 code units; default 5,242,880); longer → 413 `document_too_large`. */
  maxDocumentCharacters?: number;
  /** Most characters of query and documents together (default 5,242,880); more → 413 `payload_too_large`. */
  maxTotalCharacters?: number;
}

/** The size limits among `options` (an engine's, a reranker's, a server's), as one object to pass on. */
export function requestLimits(options: RequestLimits): RequestLimits {
  const limits: RequestLimits = {};
  if (options.maxDocuments !== undefined) limits.maxDocuments = options.maxDocuments;
  if (options.maxDocumentCharacters !== undefined) limits.maxDocumentCharacters = options.maxDocumentCharacters;
  if (options.maxTotalCharacters !== undefined) limits.maxTotalCharacters = options.maxTotalCharacters;
  return limits;
}

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
