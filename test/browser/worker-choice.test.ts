import { describe, expect, it } from 'vitest';
import { chooseWorker } from '../../src/browser/page/worker-choice.js';
import { sharedWorkerName } from '../../src/browser/page/shared-worker-client.js';
import type { BrowserEngineConfig } from '../../src/browser/worker/browser-engine.js';

const both = { hasWorker: true, hasSharedWorker: true };

describe('chooseWorker', () => {
  it('uses a SharedWorker when shared: true is asked for and the browser has one', () => {
    expect(chooseWorker({ shared: true, ...both })).toMatchObject({ worker: 'shared' });
  });

  it('falls back to a dedicated worker without SharedWorker, and says why', () => {
    expect(chooseWorker({ shared: true, hasWorker: true, hasSharedWorker: false })).toEqual({ worker: 'dedicated', workerReason: expect.stringMatching(/no SharedWorker/) });
  });

  it('keeps a dedicated worker per reranker unless shared is asked for', () => {
    expect(chooseWorker(both)).toMatchObject({ worker: 'dedicated' });
  });

  it('runs in the page with inWorker: false, or where there are no workers at all', () => {
    expect(chooseWorker({ shared: true, inWorker: false, ...both })).toMatchObject({ worker: 'none', workerReason: expect.stringMatching(/inWorker: false/) });
    expect(chooseWorker({ shared: true, hasWorker: false, hasSharedWorker: false })).toMatchObject({ worker: 'none', workerReason: expect.stringMatching(/neither SharedWorker nor Worker/) });
  });
});

describe('sharedWorkerName', () => {
  const config: BrowserEngineConfig = { models: [{ id: 'm', source: { path: '/models/m' } }], overrides: {}, cache: { name: 'c' }, engine: {}, preload: true };

  it('gives tabs with the same models and backends one worker, whether or not they preload', () => {
    expect(sharedWorkerName({ ...config, preload: false })).toBe(sharedWorkerName(config));
  });

  it('gives a tab asking for other models or backends a worker of its own', () => {
    expect(sharedWorkerName({ ...config, overrides: { device: 'wasm' } })).not.toBe(sharedWorkerName(config));
    expect(sharedWorkerName({ ...config, models: [{ id: 'other', source: { path: '/models/m' } }] })).not.toBe(sharedWorkerName(config));
  });
});
