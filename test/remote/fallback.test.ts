/**
 * `auto` mode end to end in Node: the real engine on the generated model as the local reranker,
 * `webrerank serve`'s server (another real engine) as the remote, and a local model that can't
 * load — a registry entry pointing at a folder that doesn't exist.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createFallbackReranker, type SwitchEvent } from '../../src/remote/fallback-policy.js';
import { createReranker } from '../../src/node.js';
import { createRemoteReranker } from '../../src/remote/remote-reranker.js';
import type { Reranker } from '../../src/core/reranker.js';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { failOnUnhandledRejections } from '../support/unhandled-rejections.js';

const modelPath = inject('tinyModelDir');
const MISSING_MODEL = '/nonexistent/webrerank/bge-reranker-v2-m3';
const KEY = 'sk-fallback-test';

failOnUnhandledRejections();

let server: RunningServer;
/** Requests the remote server has answered, from its request log. */
const remoteRequests: string[] = [];

beforeAll(async () => {
  server = await startServer({
    engine: { modelPath },
    apiKeys: [KEY],
    port: 0,
    log: (line) => {
      if (line.startsWith('POST /v1/rerank')) remoteRequests.push(line);
    },
  });
  await server.ready;
});
afterAll(() => server.close());

function remote(): Reranker {
  return createRemoteReranker({ baseUrl: server.url, apiKey: KEY, retryDelayMs: 10 });
}

describe('auto mode', () => {
  it('answers on the device when the local model loads: the network is never used for inference', async () => {
    remoteRequests.length = 0;
    const switches: SwitchEvent[] = [];
    const reranker = createFallbackReranker(() => createReranker({ modelPath }), remote(), { onSwitch: (event) => switches.push(event) });
    try {
      const response = await reranker.rerank(HOSTED_EXAMPLE);
      expect(response.meta?.backend).toBe('cpu');
      expect(response.results).toHaveLength(4);
      expect(remoteRequests).toHaveLength(0);
      expect(switches).toHaveLength(0);
      expect((await reranker.info()).backend).toBe('cpu');
    } finally {
      await reranker.dispose();
    }
  });

  it('switches to the remote server for good when the local model fails to load, with the reason', async () => {
    remoteRequests.length = 0;
    const switches: SwitchEvent[] = [];
    let localCreations = 0;
    const reranker = createFallbackReranker(
      () => {
        localCreations += 1;
        return createReranker({ modelPath: MISSING_MODEL });
      },
      remote(),
      { onSwitch: (event) => switches.push(event) },
    );
    try {
      const first = await reranker.rerank(HOSTED_EXAMPLE);
      expect(first.meta?.backend).toBe('remote');
      // The same real scores the server's engine computes.
      // The server's own reranker serves the stand-in under its own id.
      expect(first.results).toEqual((await server.reranker.rerank({ ...HOSTED_EXAMPLE, model: server.model ?? HOSTED_EXAMPLE.model })).results);
      expect(switches).toEqual([expect.objectContaining({ from: 'local', to: 'remote', code: 'model_unavailable' })]);

      const info = await reranker.info();
      expect(info.backend).toBe('remote');
      expect(info.fallbackReason).toMatch(/could not load/);

      await reranker.rerank(HOSTED_EXAMPLE);
      expect(localCreations).toBe(1);
      expect(remoteRequests).toHaveLength(2);
    } finally {
      await reranker.dispose();
    }
  });

  it('switches when a lazily loading engine fails on its first request', async () => {
    const switches: SwitchEvent[] = [];
    const reranker = createFallbackReranker(() => createReranker({ modelPath: MISSING_MODEL, preload: false }), remote(), {
      onSwitch: (event) => switches.push(event),
    });
    try {
      expect((await reranker.rerank(HOSTED_EXAMPLE)).meta?.backend).toBe('remote');
      expect(switches.map((event) => event.code)).toEqual(['model_unavailable']);
    } finally {
      await reranker.dispose();
    }
  });

  it('keeps a bad request a 400 and stays on the device', async () => {
    remoteRequests.length = 0;
    const reranker = createFallbackReranker(() => createReranker({ modelPath }), remote());
    try {
      await expect(reranker.rerank({ ...HOSTED_EXAMPLE, documents: [] })).rejects.toMatchObject({ status: 400, code: 'empty_documents' });
      expect((await reranker.rerank(HOSTED_EXAMPLE)).meta?.backend).toBe('cpu');
      expect(remoteRequests).toHaveLength(0);
    } finally {
      await reranker.dispose();
    }
  });
});
