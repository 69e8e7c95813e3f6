/**
 * A bad request is named once, in the client's words, by every dialect of the server: a missing
 * field "is required", and no message names its field twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reranker } from '../../src/core/reranker.js';
import { createServerApp } from '../../src/server/app.js';
import { serveApp, type ServedApp } from '../support/serve-app.js';
import { fakeReranker } from '../support/scores.js';

// Validation answers before any model runs, so a reranker that is never asked to rank will do.
const idle: Reranker = fakeReranker({
  rerank: () => Promise.reject(new Error('not reached')),
  info: async () => ({ backend: 'cpu', dtype: 'q8', state: 'ready', models: ['m'] }),
  dispose: async () => undefined,
});

let served: ServedApp;
beforeAll(async () => {
  served = await serveApp(createServerApp({ reranker: idle }));
});
afterAll(() => served.close());

async function message(path: string, body: unknown): Promise<string> {
  const response = await fetch(`${served.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(400);
  const json = (await response.json()) as { message?: string; error?: { message: string } | string };
  return json.message ?? (typeof json.error === 'string' ? json.error : (json.error?.message ?? ''));
}

describe('request errors', () => {
  it.each(['/v1/rerank', '/v2/rerank'])('%s says "documents is required" when documents is missing', async (path) => {
    expect(await message(path, { model: 'm', query: 'q' })).toBe('documents is required.');
  });

  it.each(['/v1/rerank', '/v2/rerank'])('%s names the query once when it is not a string', async (path) => {
    expect(await message(path, { model: 'm', query: 42, documents: ['a'] })).toBe('query must be a string.');
  });
});
