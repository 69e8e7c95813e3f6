/**
 * A request is validated once per trust boundary: the HTTP door validates it, and the reranker
 * behind (here the engine in the server's own thread) is handed it as validated, not made to check
 * it again with a second copy of the limits.
 */
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type * as Contract from '../../src/core/contract.js';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';

const validations = vi.hoisted(() => ({ count: 0 }));

vi.mock('../../src/core/contract.js', async (importOriginal) => {
  const original = await importOriginal<typeof Contract>();
  return {
    ...original,
    validateRerankRequest: (...args: Parameters<typeof Contract.validateRerankRequest>) => {
      validations.count++;
      return original.validateRerankRequest(...args);
    },
  };
});

const modelPath = inject('tinyModelDir');
const MODEL = 'BAAI/bge-reranker-v2-m3';

describe('a request through the server’s door', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ engine: { modelPath, maxLength: 32, inWorker: false }, port: 0, log: () => undefined, metrics: false });
    await server.ready;
  });
  afterAll(() => server.close());

  it.each(['/v1/rerank', '/v2/rerank'])('is validated exactly once on its way to the engine (%s)', async (path) => {
    validations.count = 0;
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: MODEL, query: 'rivers', documents: ['a note on rivers', 'a note on cooking'] }),
    });
    expect(response.status).toBe(200);
    expect(validations.count).toBe(1);
  });

  it('still validates a library caller’s request in the engine itself', async () => {
    validations.count = 0;
    // A library caller names the model the server's reranker serves (the stand-in's own id).
    await server.reranker.rerank({ model: server.model ?? MODEL, query: 'rivers', documents: ['a note on rivers'] });
    expect(validations.count).toBe(1);
  });
});
