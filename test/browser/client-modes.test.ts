/**
 * `createReranker`'s modes, in Node: `remote` and `auto` against a real `webrerank serve` on the
 * stand-in model. Node has no Worker, so the local side runs in-thread; it has no WebGPU and is
 * not cross-origin isolated, so the real model's plan says "don't run locally".
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createReranker } from '../../src/browser/page/create-reranker.js';
import type { SwitchEvent } from '../../src/remote/fallback-policy.js';
import type { BrowserRerankerInfo } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';

const modelPath = inject('tinyModelDir');
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ port: 0, engine: { modelPath, dtype: 'fp32' }, log: () => undefined });
  await server.ready;
});

afterAll(async () => {
  await server?.close();
});

describe('createReranker modes', () => {
  it('answers from the server in remote mode, loading nothing locally', async () => {
    const reranker = await createReranker({ mode: 'remote', remote: { baseUrl: server.url } });
    const response = await reranker.rerank(HOSTED_EXAMPLE);
    expect(response.meta?.backend).toBe('remote');
    expect(response.results).toHaveLength(4);
    await reranker.dispose();
  });

  it('goes to the server at once in auto mode when the device cannot run the real model well', async () => {
    const switches: SwitchEvent[] = [];
    const reranker = await createReranker({ remote: { baseUrl: server.url }, onSwitch: (event) => switches.push(event) });
    const response = await reranker.rerank(HOSTED_EXAMPLE);
    expect(response.meta?.backend).toBe('remote');
    const info: BrowserRerankerInfo = await reranker.info();
    expect(info.fallbackReason).toBeUndefined();
    expect(switches).toEqual([]);
    await reranker.dispose();
  });

  it('switches to the server in auto mode when the local model fails to load', async () => {
    const switches: SwitchEvent[] = [];
    const reranker = await createReranker({
      mode: 'auto',
      models: [{ id: HOSTED_EXAMPLE.model, source: { url: 'http://127.0.0.1:9/nowhere/model' } }],
      cache: false,
      remote: { baseUrl: server.url },
      onSwitch: (event) => switches.push(event),
    });
    const response = await reranker.rerank(HOSTED_EXAMPLE);
    expect(response.meta?.backend).toBe('remote');
    expect(switches).toEqual([expect.objectContaining({ from: 'local', to: 'remote', code: 'model_load_failed' })]);
    await reranker.dispose();
  });

  it('refuses remote mode without a server, and local mode where nothing can run, with 503', async () => {
    await expect(createReranker({ mode: 'remote' })).rejects.toMatchObject({ status: 503, code: 'model_unavailable' });
    await expect(createReranker({ mode: 'local', device: 'webgpu', preload: false })).rejects.toMatchObject({ status: 503, code: 'model_unavailable', message: expect.stringMatching(/Alternatives here/) });
  });
});
