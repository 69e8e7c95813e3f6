/**
 * The Node reranker with its engine in a worker thread (`inWorker: true`, what `webrerank serve`
 * runs): the same answers as in-process, errors that keep their class and status across the
 * thread, and `dispose()` that ends the thread. Abort, crash and respawn are the session tests every
 * worker passes (engine-session.test.ts); how soon an abort answers and that the thread then stops
 * working are timing claims: test/timing/thread-abort.test.ts.
 */
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RerankError } from '../../src/core/errors.js';
import type { LoadProgress } from '../../src/core/progress.js';
import { createReranker } from '../../src/node.js';
import { ThreadReranker } from '../../src/node/thread-reranker.js';
import { recordingStarter } from '../support/thread-starter.js';
import { failOnUnhandledRejections } from '../support/unhandled-rejections.js';

const modelPath = inject('tinyModelDir');
const MODEL = 'BAAI/bge-reranker-v2-m3';
const small = { model: MODEL, query: 'what is a fox', documents: ['A fox is a small wild canine.', 'The weather is sunny.', 'Foxes live in dens.'] };

failOnUnhandledRejections();

function exited(worker: Worker): Promise<number> {
  return new Promise((resolve) => worker.once('exit', resolve));
}

describe('the reranker in a worker thread', () => {
  let threaded: ThreadReranker;
  const progress: LoadProgress[] = [];

  beforeAll(async () => {
    threaded = await createReranker({ modelPath, inWorker: true, onProgress: (event) => progress.push(event) });
  });
  afterAll(() => threaded.dispose());

  it('ranks exactly as the engine in this thread does, and reports its load and start', async () => {
    const inProcess = await createReranker({ modelPath });
    try {
      let started = 0;
      const response = await threaded.rerank(small, { onStart: () => started++ });
      expect(response).toEqual(await inProcess.rerank(small));
      expect(started).toBe(1);
    } finally {
      await inProcess.dispose();
    }
    // The stand-in folder is served under its own id.
    expect(progress.at(-1)).toMatchObject({ status: 'ready', model: 'webrerank/standin-tiny', backend: 'cpu' });
    const loaded = progress.filter((event) => event.status === 'progress').map((event) => event.loaded);
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
    expect(await threaded.info()).toMatchObject({ state: 'ready', backend: 'cpu', dtype: 'q8', models: ['webrerank/standin-tiny'] });
  });

  it('rejects a bad request at once with its status and code, and keeps a thread error a RerankError with its status', async () => {
    await expect(threaded.rerank({ ...small, documents: [] })).rejects.toMatchObject({ name: 'RerankError', status: 400, code: 'empty_documents' });
    const missing = await createReranker({ modelPath: '/nonexistent/webrerank-model', inWorker: true, preload: false });
    try {
      const error = await missing.rerank(small).catch((caught: unknown) => caught);
      // Built in the thread, rebuilt here: the class survives, not only the fields.
      expect(error).toBeInstanceOf(RerankError);
      expect(error).toMatchObject({ name: 'RerankError', status: 503, code: 'model_unavailable' });
      expect(await missing.info()).toMatchObject({ state: 'failed', models: [MODEL] });
    } finally {
      await missing.dispose();
    }
  });
});

describe('a thread that is disposed', () => {
  it('ends the thread on dispose, and refuses later calls', async () => {
    const { start, threads } = recordingStarter();
    const reranker = new ThreadReranker({ modelPath }, undefined, start);
    await reranker.load();
    const thread = threads[0] as Worker;
    const ended = exited(thread);
    await reranker.dispose();
    await ended;
    expect(thread.threadId).toBe(-1);
    await expect(reranker.rerank(small)).rejects.toMatchObject({ status: 503, code: 'model_unavailable' });
  });
});

describe('validation once per boundary, with the engine in a thread', () => {
  it('refuses a request past its limits in the caller’s thread, without starting the engine thread', async () => {
    const { start, threads } = recordingStarter();
    const reranker = new ThreadReranker({ modelPath, maxDocuments: 2 }, undefined, start);
    try {
      await expect(reranker.rerank(small)).rejects.toMatchObject({ name: 'RerankError', status: 400, code: 'too_many_documents' });
      expect(threads).toHaveLength(0);
    } finally {
      await reranker.dispose();
    }
  });

  it('ranks a request its caller validated without the thread refusing it by the limits again', async () => {
    const reranker = new ThreadReranker({ modelPath, maxDocuments: 2, maxDocumentCharacters: 10 }, undefined);
    try {
      const response = await reranker.rerankValidated(small);
      expect(response.results.map((result) => result.index).sort()).toEqual([0, 1, 2]);
    } finally {
      await reranker.dispose();
    }
  });

  it('still refuses a malformed request with a typed 400 where it crosses into the thread', async () => {
    const reranker = new ThreadReranker({ modelPath }, undefined);
    try {
      const malformed = { ...small, documents: 5 } as unknown as typeof small;
      await expect(reranker.rerankValidated(malformed)).rejects.toMatchObject({ name: 'RerankError', status: 400, code: 'invalid_documents' });
    } finally {
      await reranker.dispose();
    }
  });

  it('has the thread itself refuse a malformed request it is sent with a typed 400', async () => {
    const { start } = recordingStarter();
    // A sender that garbles what it posts: the thread's own shape check is what answers.
    const garbling = (options: Parameters<typeof start>[0]) => {
      const thread = start(options);
      const post = thread.postMessage.bind(thread);
      thread.postMessage = (message: { type: string; request?: unknown }) => post(message.type === 'rerank' ? { ...message, request: { ...(message.request as object), documents: 'not a list' } } : message);
      return thread;
    };
    const reranker = new ThreadReranker({ modelPath }, undefined, garbling);
    try {
      await expect(reranker.rerank(small)).rejects.toMatchObject({ name: 'RerankError', status: 400, code: 'invalid_documents' });
    } finally {
      await reranker.dispose();
    }
  });
});
