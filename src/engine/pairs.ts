import { RerankError } from '../core/errors.js';

/**
 * Query/document pairs built the FlagReranker way.
 *
 * transformers.js' own pair truncation chops the joined sequence and can drop the final `</s>`.
 * FlagReranker instead tokenizes both texts without special tokens, caps the query (¾ of
 * max_length), cuts only the document, then wraps them in the model's template — for XLM-R
 * `<s> q </s></s> d </s>` — so every pair the model sees is complete.
 */

/** The model's special tokens around a pair, read off its tokenizer (see `readPairTemplate`). */
export interface PairTemplate {
  /** Tokens before the query, e.g. `[<s>]`. */
  prefix: readonly number[];
  /** Tokens between query and document, e.g. `[</s>, </s>]`. */
  middle: readonly number[];
  /** Tokens after the document, e.g. `[</s>]`. */
  suffix: readonly number[];
  /** Padding token id. */
  padId: number;
}

/** The minimal tokenizer surface needed here, so tests can pass a fake one. */
export interface PairTokenizer {
  encode(text: string, options?: { text_pair?: string | null; add_special_tokens?: boolean }): number[];
  pad_token_id?: number;
}

/** Reads the pair template from the tokenizer itself, so any cross-encoder's layout is honoured. */
export function readPairTemplate(tokenizer: PairTokenizer): PairTemplate {
  const queryProbe = 'query';
  const documentProbe = 'document';
  const full = tokenizer.encode(queryProbe, { text_pair: documentProbe, add_special_tokens: true });
  const query = tokenizer.encode(queryProbe, { add_special_tokens: false });
  const documentIds = tokenizer.encode(documentProbe, { add_special_tokens: false });
  const queryAt = indexOfRun(full, query, 0);
  const documentAt = indexOfRun(full, documentIds, queryAt + query.length);
  if (queryAt < 0 || documentAt < 0) {
    throw new Error('Cannot read the pair template from this tokenizer: its pair encoding does not contain the two texts.');
  }
  return {
    prefix: full.slice(0, queryAt),
    middle: full.slice(queryAt + query.length, documentAt),
    suffix: full.slice(documentAt + documentIds.length),
    padId: tokenizer.pad_token_id ?? 0,
  };
}

function indexOfRun(haystack: readonly number[], needle: readonly number[], from: number): number {
  outer: for (let start = from; start + needle.length <= haystack.length; start++) {
    for (let offset = 0; offset < needle.length; offset++) {
      if (haystack[start + offset] !== needle[offset]) continue outer;
    }
    return start;
  }
  return -1;
}

/** Number of special tokens one pair adds around query and document. */
export function specialTokenCount(template: PairTemplate): number {
  return template.prefix.length + template.middle.length + template.suffix.length;
}

export interface PairLimits {
  /** Longest pair the model sees, special tokens included (FlagReranker default 512). */
  maxLength: number;
  /** Longest query, in tokens (FlagReranker: ¾ of maxLength). */
  maxQueryTokens: number;
}

/** FlagReranker's defaults for a given max_length. */
export function pairLimits(maxLength: number): PairLimits {
  return { maxLength, maxQueryTokens: Math.floor((maxLength * 3) / 4) };
}

/** Cuts the query to its cap; the query is tokenized once per request. */
export function capQuery(queryIds: readonly number[], limits: PairLimits): number[] {
  return queryIds.slice(0, limits.maxQueryTokens);
}

/**
 * A per-request cap on a document's tokens (Cohere v2's `max_tokens_per_doc`): its first
 * `maxTokens` tokens, or all of them when no cap is given. Applied before windowing, so the pair's
 * own limit still holds on top.
 */
export function capDocumentTokens(documentIds: number[], maxTokens: number | undefined): number[] {
  return maxTokens === undefined || documentIds.length <= maxTokens ? documentIds : documentIds.slice(0, maxTokens);
}

/**
 * Splits a document into the windows that fit beside the query: the first window only when
 * `maxChunks` is 1 (plain truncation), up to `maxChunks` consecutive windows otherwise.
 * An empty document still yields one (empty) window, so every document gets a score.
 */
export function documentWindows(
  documentIds: readonly number[],
  queryLength: number,
  template: PairTemplate,
  limits: PairLimits,
  maxChunks: number,
): number[][] {
  const room = limits.maxLength - queryLength - specialTokenCount(template);
  if (room < 1) {
    // FlagReranker would hand the model a pair longer than max_length here; refusing says why.
    const longest = limits.maxLength - specialTokenCount(template) - 1;
    throw new RerankError(
      'query_too_long',
      `The query is ${queryLength} tokens after its cap, but with maxLength ${limits.maxLength} a pair holds at most ${longest} query tokens (${specialTokenCount(template)} go to special tokens, at least 1 to the document). Shorten the query or raise maxLength.`,
    );
  }
  const windows: number[][] = [];
  for (let start = 0; windows.length < maxChunks && (start < documentIds.length || windows.length === 0); start += room) {
    windows.push(documentIds.slice(start, start + room));
  }
  return windows;
}

/** The model input for one pair: template tokens around query and document window. */
export function buildPair(queryIds: readonly number[], windowIds: readonly number[], template: PairTemplate): number[] {
  return [...template.prefix, ...queryIds, ...template.middle, ...windowIds, ...template.suffix];
}

/** The pairs of one request: one per window of every document. */
export interface RequestPairs {
  /** Tokens of the capped query. */
  queryLength: number;
  /** Model inputs, one per window. */
  pairs: number[][];
  /** For each pair, the index of the document it came from. */
  owner: number[];
}

/**
 * The tokens of a document that can reach the model: `maxChunks` windows beside the query, and no
 * more than `maxTokensPerDocument` (the v2 API's `max_tokens_per_doc`) when given. Tokenizing
 * stops there, so a 4 MB document costs what its first windows do.
 */
export function documentTokenBudget(
  queryLength: number,
  template: PairTemplate,
  limits: PairLimits,
  maxChunks: number,
  maxTokensPerDocument?: number,
): number {
  const room = Math.max(1, limits.maxLength - queryLength - specialTokenCount(template));
  const windows = room * maxChunks;
  return maxTokensPerDocument === undefined ? windows : Math.min(windows, maxTokensPerDocument);
}

/** Tokenizes `text` without special tokens, keeping at most the first `maxTokens` ids. */
export type LimitedEncode = (text: string, maxTokens: number) => number[];

/** What a request's pairs are built from, besides the texts. */
export interface PairOptions {
  template: PairTemplate;
  limits: PairLimits;
  /** Windows per document (`max_chunks_per_doc`; 1 truncates). */
  maxChunks: number;
  /** Tokens kept of each document before windowing (`max_tokens_per_doc`); unset: no cap. */
  maxTokensPerDocument?: number;
}

/**
 * Every pair the engine scores for one request — the query tokenized and capped once, each
 * document cut into up to `maxChunks` windows beside it — built one document per step, so a caller
 * can give the event loop a turn (or stop) between documents. The generator's return value is the
 * result; see {@link buildRequestPairs} for the one-go form.
 */
export function* pairsByDocument(encode: LimitedEncode, query: string, documents: readonly string[], options: PairOptions): Generator<void, RequestPairs> {
  const { template, limits, maxChunks } = options;
  const queryIds = capQuery(encode(query, limits.maxQueryTokens), limits);
  const budget = documentTokenBudget(queryIds.length, template, limits, maxChunks, options.maxTokensPerDocument);
  const pairs: number[][] = [];
  const owner: number[] = [];
  for (let documentIndex = 0; documentIndex < documents.length; documentIndex++) {
    yield;
    const documentIds = capDocumentTokens(encode(documents[documentIndex] as string, budget), budget);
    for (const chunk of documentWindows(documentIds, queryIds.length, template, limits, maxChunks)) {
      pairs.push(buildPair(queryIds, chunk, template));
      owner.push(documentIndex);
    }
  }
  return { queryLength: queryIds.length, pairs, owner };
}

/** {@link pairsByDocument} in one go, for callers that don't need to pause. */
export function buildRequestPairs(encode: LimitedEncode, query: string, documents: readonly string[], options: PairOptions): RequestPairs {
  const steps = pairsByDocument(encode, query, documents, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * Segment ids for models that take `token_type_ids` (BERT-style cross-encoders): 0 up to and
 * including the separator after the query, 1 for the document and what follows.
 */
export function segmentBoundary(queryLength: number, template: PairTemplate): number {
  return template.prefix.length + queryLength + template.middle.length;
}
