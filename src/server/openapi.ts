/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of every route and dialect, generated (with
 * zod-openapi) from the same zod schemas the server validates requests with — never written by hand.
 */
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import type { Dialect } from './dialects/index.js';
import { hostedErrorSchema } from './dialects/index.js';
import { healthSchema, modelListSchema, readinessSchema, usageSchema } from './service-schemas.js';

/** The version of this API description (not of the package). */
const API_DOCUMENT_VERSION = '1.0.0';

export interface OpenApiOptions {
  dialects: readonly Dialect[];
  /** Whether `GET /metrics` is served by this app. */
  metrics: boolean;
  /** Whether the rerank routes need `Authorization: Bearer`. */
  auth: boolean;
}


/** The OpenAPI document for an app with these dialects and options. */
export function openApiDocument(options: OpenApiOptions): ReturnType<typeof createDocument> {
  const security = options.auth ? [{ bearer: [] }] : [];
  const paths: ZodOpenApiPathsObject = {};
  for (const dialect of options.dialects) {
    const operation: ZodOpenApiOperationObject = {
      operationId: `rerank_${dialect.name.replace(/-/g, '_')}`,
      summary: dialect.summary,
      tags: ['rerank'],
      security,
      requestBody: { required: true, content: { 'application/json': { schema: dialect.requestSchema } } },
      responses: {
        200: { description: 'The documents ranked, highest score first.', content: { 'application/json': { schema: dialect.responseSchema } } },
        default: { description: 'An error (400, 401, 402, 403, 413, 422, 429, 5xx), with Retry-After where waiting helps.', content: { 'application/json': { schema: dialect.errorSchema } } },
      },
    };
    paths[dialect.path] = { post: operation };
  }
  paths['/v1/models'] = {
    get: {
      operationId: 'list_models',
      summary: 'The served model ids and their aliases (OpenAI style)',
      security,
      responses: {
        200: { description: 'The models.', content: { 'application/json': { schema: modelListSchema } } },
        default: { description: 'An error.', content: { 'application/json': { schema: hostedErrorSchema } } },
      },
    },
  };
  paths['/health'] = {
    get: {
      operationId: 'health',
      summary: 'Whether the model is ready (no key needed)',
      responses: {
        200: { description: 'Ready.', content: { 'application/json': { schema: healthSchema } } },
        503: { description: 'Loading, or the load failed.', content: { 'application/json': { schema: healthSchema } } },
      },
    },
  };
  paths['/health/live'] = {
    get: {
      operationId: 'health_live',
      summary: 'Liveness: the process answers (no key needed)',
      responses: { 200: { description: 'Alive.', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
  paths['/health/ready'] = {
    get: {
      operationId: 'health_ready',
      summary: 'Readiness: the model is loaded, the limits store answers and the server is not draining (no key needed)',
      responses: {
        200: { description: 'Ready for traffic.', content: { 'application/json': { schema: readinessSchema } } },
        503: { description: 'Not ready: loading, store unreachable, or shutting down.', content: { 'application/json': { schema: readinessSchema } } },
      },
    },
  };
  paths['/v1/usage'] = {
    get: {
      operationId: 'usage',
      summary: "The caller's own usage and remaining quota",
      security,
      responses: {
        200: { description: 'The usage.', content: { 'application/json': { schema: usageSchema } } },
        default: { description: 'An error.', content: { 'application/json': { schema: hostedErrorSchema } } },
      },
    },
  };
  if (options.metrics) {
    paths['/metrics'] = {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (no key needed)',
        responses: { 200: { description: 'The Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    };
  }
  paths['/openapi.json'] = {
    get: {
      operationId: 'openapi',
      summary: 'This document',
      responses: { 200: { description: 'The OpenAPI document.', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
  return createDocument({
    openapi: '3.1.0',
    info: { title: 'webrerank serve', version: API_DOCUMENT_VERSION, description: 'The hosted Rerank API, Cohere v1/v2 and TEI, answered by one reranker.' },
    ...(options.auth ? { components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } } : {}),
    paths,
  });
}
