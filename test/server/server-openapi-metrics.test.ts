/**
 * `GET /openapi.json` and `GET /metrics` of a real server on the stand-in model: the document is
 * valid OpenAPI 3.1 and real responses of every route and dialect (errors included) match it; the
 * metrics count requests, latency, documents, tokens, queue depth and the model state, can live
 * on their own port, and can be turned off.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';

const modelPath = inject('tinyModelDir');
const KEY = 'sk-openapi-93c2';
const { model, query, documents } = HOSTED_EXAMPLE;

let server: RunningServer;
const logs: string[] = [];

beforeAll(async () => {
  // No score cache: the metrics test needs every request to reach the model.
  server = await startServer({ engine: { modelPath, scoreCacheBytes: 0 }, apiKeys: [KEY], port: 0, modelAliases: { 'rerank-english-v2.0': model }, log: (line) => logs.push(line) });
  await server.ready;
});
afterAll(() => server?.close());

function call(path: string, body?: unknown, key: string | null = KEY): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  return fetch(`${server.url}${path}`, body === undefined ? { headers } : { method: 'POST', headers, body: JSON.stringify(body) });
}

type OpenApi = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };

describe('GET /openapi.json', () => {
  let document: OpenApi;
  let ajv: Ajv2020;

  beforeAll(async () => {
    const response = await call('/openapi.json', undefined, null);
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApi;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema(document, 'openapi.json');
  });

  /** Checks a real answer against the document's schema for that route and status. */
  async function expectDocumented(method: 'get' | 'post', path: string, response: Response): Promise<void> {
    const responses = document.paths[path]?.[method]?.responses ?? {};
    const schema = (responses[String(response.status)] ?? responses.default)?.content?.['application/json']?.schema as { $ref?: string } | undefined;
    expect(schema, `${method} ${path} ${response.status} is documented`).toBeDefined();
    const validate = ajv.compile(schema?.$ref ? { $ref: `openapi.json${schema.$ref}` } : (schema as object));
    const body: unknown = await response.json();
    expect(validate(body), `${method} ${path} ${response.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  }

  it('is a valid OpenAPI 3.1 document describing every route', async () => {
    expect(await new Validator().validate(document as Parameters<Validator['validate']>[0])).toEqual({ valid: true });
    expect(Object.keys(document.paths).sort()).toEqual(['/health', '/health/live', '/health/ready', '/metrics', '/openapi.json', '/rerank', '/v1/models', '/v1/rerank', '/v1/usage', '/v2/rerank']);
  });

  it('matches real answers of every dialect, success and error', async () => {
    await expectDocumented('post', '/v1/rerank', await call('/v1/rerank', { model, query, documents, return_documents: true, top_n: 2 }));
    await expectDocumented('post', '/v1/rerank', await call('/v1/rerank', { model, query, documents: documents.map((text) => ({ text })), return_documents: true }));
    await expectDocumented('post', '/v1/rerank', await call('/v1/rerank', { model, query, documents: [] }));
    await expectDocumented('post', '/v1/rerank', await call('/v1/rerank', { model, query, documents }, 'sk-wrong'));
    await expectDocumented('post', '/v2/rerank', await call('/v2/rerank', { model, query, documents, max_tokens_per_doc: 8 }));
    await expectDocumented('post', '/v2/rerank', await call('/v2/rerank', { model, query, documents: [1] }));
    await expectDocumented('post', '/rerank', await call('/rerank', { query, texts: documents, return_text: true }));
    await expectDocumented('post', '/rerank', await call('/rerank', { query, texts: [] }));
    await expectDocumented('get', '/v1/models', await call('/v1/models'));
    await expectDocumented('get', '/health', await call('/health', undefined, null));
  });

  it('rejects what the schemas rule out: the document is the contract the server enforces', async () => {
    const response = await call('/v1/rerank', { model, query, documents: [42] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_documents');
  });
});

describe('request ids and model aliases', () => {
  it('gives each response an id, in the body, the X-Request-Id header and the log line', async () => {
    const response = await call('/v1/rerank', { model, query, documents });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await response.json()) as { id: string }).id).toBe(id);
    expect(logs.some((line) => line.startsWith('POST /v1/rerank 200 ') && line.endsWith(` id=${id}`))).toBe(true);
  });

  it('answers a model alias as its model, lists it in /v1/models, and still refuses unknown names', async () => {
    const aliased = await call('/v1/rerank', { model: 'rerank-english-v2.0', query, documents });
    const direct = await call('/v1/rerank', { model, query, documents });
    expect(((await aliased.json()) as { results: unknown }).results).toEqual(((await direct.json()) as { results: unknown }).results);
    const { data } = (await (await call('/v1/models')).json()) as { data: { id: string }[] };
    // The stand-in is served under its own id; the alias still names the model it stands for.
    expect(data.map((entry) => entry.id)).toEqual([server.model, 'rerank-english-v2.0']);
    const unknown = await call('/v1/rerank', { model: 'rerank-v3.5', query, documents });
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('unknown_model');
  });
});

describe('GET /metrics', () => {
  /** One sample's value in the Prometheus text, 0 when absent. */
  function sample(text: string, series: string): number {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.slice(series.length + 1));
  }

  async function scrape(): Promise<string> {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    return response.text();
  }

  it('counts requests by route, dialect and status, times queueing and inference, and reports queue and model state', async () => {
    const before = await scrape();
    await call('/v2/rerank', { model, query, documents });
    await call('/rerank', { query, texts: [] });
    const after = await scrape();
    const grew = (series: string) => sample(after, series) - sample(before, series);
    expect(grew('webrerank_http_requests_total{route="/v2/rerank",dialect="cohere-v2",status="200"}')).toBe(1);
    expect(grew('webrerank_http_requests_total{route="/rerank",dialect="tei",status="400"}')).toBe(1);
    expect(grew('webrerank_queue_wait_seconds_count{dialect="cohere-v2"}')).toBe(1);
    expect(grew('webrerank_inference_duration_seconds_count{dialect="cohere-v2"}')).toBe(1);
    expect(grew('webrerank_inference_duration_seconds_sum{dialect="cohere-v2"}')).toBeGreaterThan(0);
    expect(grew('webrerank_documents_scored_total{dialect="cohere-v2"}')).toBe(documents.length);
    expect(grew('webrerank_tokens_scored_total{dialect="cohere-v2"}')).toBeGreaterThan(documents.length);
    expect(sample(after, 'webrerank_queue_depth')).toBe(0);
    expect(sample(after, 'webrerank_model_state{state="ready"}')).toBe(1);
    expect(sample(after, 'webrerank_model_state{state="loading"}')).toBe(0);
  });

  it('moves to its own port with metrics: { port }, and is gone with metrics: false', async () => {
    const separate = await startServer({ engine: { modelPath }, port: 0, metrics: { port: 0 }, log: () => undefined });
    const off = await startServer({ engine: { modelPath }, port: 0, metrics: false, log: () => undefined });
    try {
      expect(separate.metricsUrl).toBeDefined();
      expect(separate.metricsUrl?.startsWith(`${separate.url}/`)).toBe(false);
      expect((await fetch(separate.metricsUrl as string)).status).toBe(200);
      expect((await fetch(`${separate.url}/metrics`)).status).toBe(404);
      expect(off.metricsUrl).toBeUndefined();
      expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
    } finally {
      await Promise.all([separate.close(), off.close()]);
    }
  });
});
