import { describe, expect, it, vi } from 'vitest';
import { RerankError } from '../../src/core/errors.js';
import { chooseMode, createFallbackReranker, type RerankMode, type SwitchEvent } from '../../src/remote/fallback-policy.js';
import type { Backend, RerankResponse } from '../../src/core/contract.js';
import type { Reranker } from '../../src/core/reranker.js';
import { fakeReranker } from '../support/scores.js';

const REQUEST = { model: 'BAAI/bge-reranker-v2-m3', query: 'q', documents: ['a'] };

describe('chooseMode', () => {
  it.each<[RerankMode, boolean, boolean, 'local' | 'remote', boolean]>([
    ['local', true, false, 'local', false],
    ['local', true, true, 'local', false],
    ['remote', false, true, 'remote', false],
    ['remote', true, true, 'remote', false],
    ['auto', true, true, 'local', true],
    ['auto', true, false, 'local', false],
    ['auto', false, true, 'remote', false],
  ])('mode %s, device can run: %s, remote configured: %s → starts %s (can fall back: %s)', (mode, planCanRunLocally, remoteConfigured, start, canFallBack) => {
    expect(chooseMode({ mode, planCanRunLocally, remoteConfigured })).toMatchObject({ start, canFallBack });
  });

  it.each<[RerankMode, boolean, boolean, RegExp]>([
    ['local', false, true, /cannot run the model/],
    ['remote', true, false, /no remote server is configured/],
    ['auto', false, false, /no remote server is configured/],
  ])('refuses mode %s (device can run: %s, remote: %s) with a 503 that says why', (mode, planCanRunLocally, remoteConfigured, message) => {
    expect(() => chooseMode({ mode, planCanRunLocally, remoteConfigured })).toThrow(message);
    try {
      chooseMode({ mode, planCanRunLocally, remoteConfigured });
    } catch (error) {
      expect(error).toMatchObject({ status: 503, code: 'model_unavailable' });
    }
  });
});

/**
 * A reranker that fails with the next scripted error, or (for `undefined` or an empty script)
 * answers with an empty result list marked with its backend: the policy only routes, no scores needed.
 */
function scripted(backend: Backend, failures: (RerankError | undefined)[] = []): Reranker & { calls: number; disposed: boolean } {
  const stub = {
    calls: 0,
    disposed: false,
    async rerank(): Promise<RerankResponse> {
      stub.calls += 1;
      const failure = failures.shift();
      if (failure) throw failure;
      return { results: [], model: REQUEST.model, usage: { total_tokens: 0 }, meta: { backend } };
    },
    info: async () => ({ backend, dtype: null, state: 'ready' as const, models: [REQUEST.model] }),
    dispose: async () => void (stub.disposed = true),
  };
  return Object.assign(stub, fakeReranker(stub));
}

describe('createFallbackReranker', () => {
  it('answers locally while the device works, and never touches the remote', async () => {
    const local = scripted('wasm');
    const remote = scripted('remote');
    const onSwitch = vi.fn();
    const reranker = createFallbackReranker(async () => local, remote, { onSwitch });
    expect((await reranker.rerank(REQUEST)).meta?.backend).toBe('wasm');
    expect((await reranker.rerank(REQUEST)).meta?.backend).toBe('wasm');
    expect(remote.calls).toBe(0);
    expect(onSwitch).not.toHaveBeenCalled();
    expect((await reranker.info()).backend).toBe('wasm');
  });

  it.each(['model_load_failed', 'model_unavailable', 'out_of_memory'] as const)('switches for good when the local model fails to load or runs out of memory (%s), answering that request remotely', async (code) => {
    const local = scripted('wasm', [new RerankError(code, 'no model here')]);
    const remote = scripted('remote');
    const events: SwitchEvent[] = [];
    const reranker = createFallbackReranker(async () => local, remote, { onSwitch: (event) => events.push(event) });
    expect((await reranker.rerank(REQUEST)).meta?.backend).toBe('remote');
    expect((await reranker.rerank(REQUEST)).meta?.backend).toBe('remote');
    expect(local.calls).toBe(1);
    expect(local.disposed).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ from: 'local', to: 'remote', code });
    expect(await reranker.info()).toMatchObject({ backend: 'remote', fallbackReason: expect.stringContaining('no model here') });
  });

  it('switches when creating the local reranker itself fails, and never creates it again', async () => {
    const create = vi.fn(async (): Promise<Reranker> => {
      throw new RerankError('model_load_failed', 'out of memory');
    });
    const reranker = createFallbackReranker(create, scripted('remote'));
    expect((await reranker.rerank(REQUEST)).meta?.backend).toBe('remote');
    await reranker.rerank(REQUEST);
    expect(create).toHaveBeenCalledTimes(1);
  });

  it('retries on the device after one worker crash, and switches after the second in a row', async () => {
    const crash = () => new RerankError('worker_crashed', 'the worker died');
    const onceLocal = scripted('wasm', [crash()]);
    const once = createFallbackReranker(async () => onceLocal, scripted('remote'));
    expect((await once.rerank(REQUEST)).meta?.backend).toBe('wasm');
    expect(onceLocal.calls).toBe(2);

    const twiceLocal = scripted('wasm', [crash(), crash()]);
    const onSwitch = vi.fn();
    const twice = createFallbackReranker(async () => twiceLocal, scripted('remote'), { onSwitch });
    expect((await twice.rerank(REQUEST)).meta?.backend).toBe('remote');
    expect(onSwitch).toHaveBeenCalledWith(expect.objectContaining({ code: 'worker_crashed' }));
  });

  it('counts crashes in a row: a success in between starts the count again', async () => {
    const crash = () => new RerankError('worker_crashed', 'the worker died');
    // Each request crashes once, then succeeds on the retry.
    const local = scripted('wasm', [crash(), undefined, crash(), undefined, crash(), undefined]);
    const remote = scripted('remote');
    const reranker = createFallbackReranker(async () => local, remote);
    for (let round = 0; round < 3; round++) expect((await reranker.rerank(REQUEST)).meta?.backend).toBe('wasm');
    expect(remote.calls).toBe(0);
  });

  it('passes a bad request or an abort through without switching', async () => {
    const local = scripted('wasm', [new RerankError('empty_documents', 'documents must not be empty.'), new RerankError('aborted', 'aborted')]);
    const remote = scripted('remote');
    const reranker = createFallbackReranker(async () => local, remote);
    await expect(reranker.rerank(REQUEST)).rejects.toMatchObject({ code: 'empty_documents' });
    await expect(reranker.rerank(REQUEST)).rejects.toMatchObject({ code: 'aborted' });
    expect(remote.calls).toBe(0);
  });

  it('without a remote, throws the local failure and tries the device again next time', async () => {
    const create = vi.fn(async (): Promise<Reranker> => {
      throw new RerankError('model_load_failed', 'no model');
    });
    const reranker = createFallbackReranker(create, undefined);
    await expect(reranker.rerank(REQUEST)).rejects.toMatchObject({ code: 'model_load_failed' });
    await expect(reranker.rerank(REQUEST)).rejects.toMatchObject({ code: 'model_load_failed' });
    expect(create).toHaveBeenCalledTimes(2);
  });

  it('still answers when the onSwitch listener throws', async () => {
    const reranker = createFallbackReranker(async () => scripted('wasm', [new RerankError('model_load_failed', 'x')]), scripted('remote'), {
      onSwitch: () => {
        throw new Error('listener bug');
      },
    });
    expect((await reranker.rerank(REQUEST)).meta?.backend).toBe('remote');
  });
});
