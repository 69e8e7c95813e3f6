/**
 * The contract of `POST /v1/rerank`: request and response types, and the one validation every entry
 * point (engine, worker, remote client, server, CLI) runs, so a bad request is refused the same way
 * everywhere.
 */
import { z } from 'zod';
import { documentTexts, MAX_RANK_FIELDS, type RerankDocument } from './documents.js';
import { excerpt, RerankError } from './errors.js';
import { DEFAULT_MAX_DOCUMENTS, DEFAULT_MAX_DOCUMENT_CHARACTERS, DEFAULT_MAX_TOTAL_CHARACTERS, MAX_CHUNKS_PER_DOC, type RequestLimits } from './request-limits.js';
import { rerankErrorFromIssue } from './request-errors.js';
import { modelForRequest } from './standin.js';
import type { Dtype } from './models.js';

/** A rerank request, as the hosted API takes it. */
export interface RerankRequest {
  /** Which reranker to use, e.g. `BAAI/bge-reranker-v2-m3`. */
  model: string;
  /** The search query to rank the documents against. */
  query: string;
  /** The documents to rank. */
  documents: string[];
  /** Return only the best `top_n` results (all of them when larger than the documents). */
  top_n?: number;
  /** Add `document: { text }` to each result. */
  return_documents?: boolean;
  /**
   * Split a document longer than the model's window into up to this many windows and score it by
   * its best one. 1 (the default) truncates it.
   */
  max_chunks_per_doc?: number;
  /**
   * Cut each document to at most this many tokens before pairing it with the query (Cohere v2's
   * `max_tokens_per_doc`). The pair's own limit (`maxLength`) still applies on top.
   */
  max_tokens_per_doc?: number;
  /**
   * A webrerank extension: stop scoring after this many milliseconds. Documents are then scored in
   * the order given (the first-stage retriever's), and those not reached come after the scored ones
   * in their given order, without a `relevance_score`, listed in `meta.unscored`. Unset: every
   * document is scored.
   */
  budget_ms?: number;
}

/**
 * What `rerank()` takes: a {@link RerankRequest} whose documents may also be objects, as Cohere v1
 * takes them — `{ text }`, or any fields with `rank_fields` naming the ones to rank on, in order,
 * joined as `key: value` lines.
 */
export interface RerankInput extends Omit<RerankRequest, 'documents'> {
  documents: RerankDocument[];
  /** The object documents' fields to rank on, in order (at most 100; repeats are dropped). */
  rank_fields?: string[] | null;
}

/** One ranked document. */
export interface RerankResult {
  /** Position of the document in the request's `documents`. */
  index: number;
  /**
   * sigmoid of the model's logit: 0..1, higher is more relevant. Absent only for a document a
   * `budget_ms` left unscored (listed in `meta.unscored`): no score is ever made up.
   */
  relevance_score?: number;
  /** The document's text, when `return_documents` was set. */
  document?: { text: string };
}

/** Where a response was computed. `cpu` is onnxruntime-node, `remote` a `/v1/rerank` server. */
export type Backend = 'webgpu' | 'wasm' | 'cpu' | 'remote';
/** The backends that run a model on this device. */
export type LocalBackend = Exclude<Backend, 'remote'>;

/** Model file precision (defined with the model registry, which needs it too). */
export type { Dtype } from './models.js';

/** The hosted API's response, plus `model`, `usage` and `meta` (which backend ran). */
export interface RerankResponse {
  /** Results sorted by `relevance_score`, highest first; equal scores by index. */
  results: RerankResult[];
  model: string;
  usage: { total_tokens: number };
  /** Which backend and dtype computed this response, what was reused or left out, and warnings. */
  meta?: RerankMeta;
}

/** What a response says about how it was computed. */
export interface RerankMeta {
  backend: Backend;
  dtype?: Dtype | string;
  /** Sentences a caller should show next to the results (e.g. that the model is a random-weight stand-in). */
  warnings?: string[];
  /** Documents whose score came from the score cache instead of the model; absent when none did. */
  cached?: number;
  /** With `budget_ms`: the documents the budget left unscored, in their given order (may be empty). */
  unscored?: number[];
}

/** Limits a validator applies beyond the schema: the request's size limits, and the models served. */
export interface ValidationLimits extends RequestLimits {
  /** Model ids this reranker serves; a request for another is refused with the list. */
  models?: readonly string[];
}

export { DEFAULT_MAX_DOCUMENTS, DEFAULT_MAX_DOCUMENT_CHARACTERS, DEFAULT_MAX_TOTAL_CHARACTERS, MAX_CHUNKS_PER_DOC, requestLimits, type RequestLimits } from './request-limits.js';
export { rerankErrorFromIssue } from './request-errors.js';

/**
 * The request's schema: what every dialect of the server (and every entry point) validates with,
 * and what `GET /openapi.json` is generated from.
 */
export const rerankRequestSchema = z.object({
  model: z.string({ error: 'model must be a string' }).min(1, 'model must not be empty'),
  query: z.string({ error: 'query must be a string' }),
  documents: z.array(z.string(), { error: 'documents must be an array of strings' }),
  // Python clients send `None` for "not set": treat null as absent.
  top_n: z.number().int().positive().nullish(),
  return_documents: z.boolean({ error: 'return_documents must be a boolean' }).nullish(),
  max_chunks_per_doc: z.number().int().positive().max(MAX_CHUNKS_PER_DOC).nullish(),
  max_tokens_per_doc: z.number().int().positive().nullish(),
  budget_ms: z.number().nonnegative().finite().nullish(),
});

/** The input schema: the request's, with object documents and `rank_fields`. */
const rerankInputSchema = rerankRequestSchema.extend({
  documents: z.array(z.union([z.string(), z.record(z.string(), z.unknown())]), { error: 'documents must be an array of strings or objects' }),
  rank_fields: z.array(z.string()).nullish(),
});

/**
 * Checks an untrusted body against the contract and returns it typed, or throws a RerankError
 * with status 400 and a code naming what is wrong.
 *
 * @example
 * const request = validateRerankRequest(await httpRequest.json(), { models: ['BAAI/bge-reranker-v2-m3'] });
 */
export function validateRerankRequest(body: unknown, limits: ValidationLimits = {}): RerankRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RerankError('invalid_request', 'The request body must be a JSON object with model, query and documents.');
  }
  checkRequestSize(body as Record<string, unknown>, limits);
  const parsed = rerankInputSchema.safeParse(body);
  if (!parsed.success) throw rerankErrorFromIssue(parsed.error.issues[0], body as Record<string, unknown>);

  const { query, documents, rank_fields } = parsed.data;
  // A lone stand-in answers to the real model's name under its own (modelForRequest says why).
  const model = limits.models ? modelForRequest(parsed.data.model, limits.models) : parsed.data.model;
  if (query.trim() === '') throw new RerankError('empty_query', 'query must not be empty.');
  if (documents.length === 0) throw new RerankError('empty_documents', 'documents must not be empty.');

  const perText = limits.maxDocumentCharacters ?? DEFAULT_MAX_DOCUMENT_CHARACTERS;
  if (query.length > perText) {
    throw new RerankError('document_too_large', `query has ${query.length} characters; at most ${perText} are allowed.`);
  }
  const total = limits.maxTotalCharacters ?? DEFAULT_MAX_TOTAL_CHARACTERS;
  const texts = documentTexts(documents, rank_fields, { perText, total, spent: query.length });
  if (limits.models && !limits.models.includes(model)) {
    throw new RerankError('unknown_model', `Model "${excerpt(model)}" is not served here. Served models: ${limits.models.join(', ')}.`);
  }
  return { model, query, documents: texts, ...optionalFields(parsed.data) };
}

/**
 * The shape alone of a request that was validated on the far side of a boundary inside the
 * process (the page before its worker, the caller's thread before the engine's, the server's
 * door before its reranker): the contract's fields with their types, text documents, and nothing
 * else (unknown fields are dropped, so what is returned can be posted to a thread). The limits are
 * not checked again: that was the outer boundary's job, with the one limits object it was given.
 * A malformed body is refused with a 400 all the same.
 */
export function checkRerankRequestShape(body: unknown): RerankRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RerankError('invalid_request', 'The request body must be a JSON object with model, query and documents.');
  }
  const parsed = rerankRequestSchema.safeParse(body);
  if (!parsed.success) throw rerankErrorFromIssue(parsed.error.issues[0], body as Record<string, unknown>);
  const { model, query, documents } = parsed.data;
  return { model, query, documents, ...optionalFields(parsed.data) };
}

type OptionalFields = Pick<RerankRequest, 'top_n' | 'return_documents' | 'max_chunks_per_doc' | 'max_tokens_per_doc' | 'budget_ms'>;

/** The contract's optional fields of a parsed body, with `null` ("not set" from Python clients) dropped. */
function optionalFields(parsed: { [K in keyof OptionalFields]?: OptionalFields[K] | null | undefined }): OptionalFields {
  const fields: OptionalFields = {};
  if (parsed.top_n != null) fields.top_n = parsed.top_n;
  if (parsed.return_documents != null) fields.return_documents = parsed.return_documents;
  if (parsed.max_chunks_per_doc != null) fields.max_chunks_per_doc = parsed.max_chunks_per_doc;
  if (parsed.max_tokens_per_doc != null) fields.max_tokens_per_doc = parsed.max_tokens_per_doc;
  if (parsed.budget_ms != null) fields.budget_ms = parsed.budget_ms;
  return fields;
}

/**
 * The size checks that need no parsing: counts of `documents` and `rank_fields`, refused before
 * a schema walks every entry of a huge array. Dialects call it before their own schemas.
 */
export function checkRequestSize(body: Record<string, unknown>, limits: Pick<ValidationLimits, 'maxDocuments'>): void {
  const maxDocuments = limits.maxDocuments ?? DEFAULT_MAX_DOCUMENTS;
  const { documents, rank_fields: rankFields } = body;
  if (Array.isArray(documents) && documents.length > maxDocuments) {
    throw new RerankError('too_many_documents', `documents holds ${documents.length} documents; at most ${maxDocuments} are allowed per request.`);
  }
  if (Array.isArray(rankFields) && rankFields.length > MAX_RANK_FIELDS) {
    throw new RerankError('invalid_request', `rank_fields holds ${rankFields.length} names; at most ${MAX_RANK_FIELDS} are allowed.`);
  }
}

const responseSchema = z.object({
  results: z.array(
    z.object({
      index: z.number().int().nonnegative(),
      relevance_score: z.number().optional(),
      document: z.object({ text: z.string() }).optional(),
    }),
  ),
  model: z.string().optional(),
  usage: z.object({ total_tokens: z.number() }).partial().optional(),
  meta: z.object({ cached: z.number().int().nonnegative(), unscored: z.array(z.number().int().nonnegative()) }).partial().optional(),
});

/**
 * Checks a response from a remote `/v1/rerank` before it reaches the caller. The hosted API only
 * promises `results`; `model` and `usage` are filled in from the request when missing.
 */
export function validateRerankResponse(body: unknown, request: RerankRequest): RerankResponse {
  const parsed = responseSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RerankError('invalid_response', `The server's response is not a rerank response (${issue?.path.join('.') || 'body'}: ${issue?.message}).`);
  }
  for (const result of parsed.data.results) {
    if (result.index >= request.documents.length) {
      throw new RerankError('invalid_response', `The server's response names document ${result.index}, but the request had ${request.documents.length}.`);
    }
    if (result.relevance_score !== undefined && !Number.isFinite(result.relevance_score)) {
      throw new RerankError('non_finite_score', `The server returned a non-finite score for document ${result.index}.`);
    }
  }
  const response: RerankResponse = {
    results: parsed.data.results.map(({ index, relevance_score, document: text }) => ({ index, ...(relevance_score !== undefined ? { relevance_score } : {}), ...(text ? { document: text } : {}) })),
    model: parsed.data.model ?? request.model,
    usage: { total_tokens: parsed.data.usage?.total_tokens ?? 0 },
  };
  // What the server said of the cache and the budget; the client adds where it ran (`remote`).
  const { cached, unscored } = parsed.data.meta ?? {};
  if (cached !== undefined || unscored !== undefined) {
    response.meta = { backend: 'remote', ...(cached !== undefined ? { cached } : {}), ...(unscored !== undefined ? { unscored } : {}) };
  }
  return response;
}
