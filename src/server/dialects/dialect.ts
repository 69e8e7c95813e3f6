/**
 * What a dialect of the server is: one wire format of a rerank API (the hosted API / Cohere v1,
 * Cohere v2, TEI) on its own route, turned into our one contract and answered by the same engine.
 * A dialect owns its request and response schemas — they validate the requests and generate
 * `GET /openapi.json` — and how its errors look on the wire.
 */
import type { z } from 'zod';
import type { RerankError } from '../../core/errors.js';
import type { RequestLimits, RerankRequest, RerankResponse } from '../../core/contract.js';

/** What a dialect needs to know to read a request. */
export interface DialectContext {
  /** Model ids the server serves (aliases already resolved to these). */
  models: readonly string[];
  /** The server's request limits (documents, characters), checked here at the door. */
  limits: RequestLimits;
  /** A client's model name → the served id (aliases), or the name itself. */
  resolveModel(name: string): string;
}

/** What a dialect adds to a response: the request's id, for `id` fields, and what it cost. */
export interface RenderContext {
  requestId: string;
  /** Windows the model scored (the billing unit): a document, or one piece of a long one. */
  windows: number;
}

/** A request read by a dialect: our contract's request, and how to answer it in the dialect. */
export interface DialectRequest {
  request: RerankRequest;
  render(response: RerankResponse, context: RenderContext): unknown;
}

export interface Dialect {
  /** Short name, used in metrics labels and OpenAPI tags. */
  name: 'hosted' | 'cohere-v2' | 'tei';
  /** The POST route it answers. */
  path: string;
  /** One line for the OpenAPI operation. */
  summary: string;
  requestSchema: z.ZodType;
  responseSchema: z.ZodType;
  errorSchema: z.ZodType;
  /** Reads an untrusted body; throws a RerankError for a bad one. */
  read(body: unknown, context: DialectContext): DialectRequest;
  /** The status and body of an error in this dialect. */
  errorBody(error: RerankError): { status: number; body: unknown };
}
