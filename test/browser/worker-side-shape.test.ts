/**
 * The worker side trusts the page to have validated a request against the limits, but not its
 * shape: what comes over `postMessage` is checked again, and a malformed request is refused with a
 * typed 400 before it reaches the engine (which is never started here).
 */
import { describe, expect, it } from 'vitest';
import type { RerankRequest } from '../../src/core/contract.js';
import { SharedEngineHost, SharedTab } from '../../src/browser/worker/shared-engine-host.js';
import { WorkerHost } from '../../src/browser/worker/worker-host.js';

const malformed = { model: 'BAAI/bge-reranker-v2-m3', query: 'rivers', documents: [{ text: 'an object the page should have turned into text' }] } as unknown as RerankRequest;
const notAnObject = 'documents' as unknown as RerankRequest;

describe('the worker side of the page → worker boundary', () => {
  it('refuses a malformed request in a dedicated worker with a typed 400', async () => {
    const host = new WorkerHost();
    await expect(host.rerank(malformed, 1)).rejects.toMatchObject({ name: 'RerankError', status: 400, code: 'invalid_documents' });
    await expect(host.rerank(notAnObject, 2)).rejects.toMatchObject({ name: 'RerankError', status: 400, code: 'invalid_request' });
  });

  it('refuses a malformed request in a shared worker’s tab with a typed 400', async () => {
    const tab = new SharedTab(new SharedEngineHost(() => undefined), 'tab-1');
    await expect(tab.rerank(malformed, 1)).rejects.toMatchObject({ name: 'RerankError', status: 400, code: 'invalid_documents' });
    await expect(tab.rerank(notAnObject, 2)).rejects.toMatchObject({ name: 'RerankError', status: 400, code: 'invalid_request' });
  });
});
