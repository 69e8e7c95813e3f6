/**
 * An abort reaches the engine thread: the caller's promise rejects at once, and the thread, busy
 * in a big request's batches, stops that work at its next batch. What "at once" and "stops" mean is
 * measured in time and in the thread's event-loop use, so the file runs in the `timing` project.
 */
import type { Worker } from 'node:worker_threads';
import { describe, expect, inject, it } from 'vitest';
import { ThreadReranker } from '../../src/node/thread-reranker.js';
import { fiveMegabyteRequest } from '../kit/responsiveness.js';
import { recordingStarter } from '../support/thread-starter.js';
import { withinMs } from '../support/timing.js';
import { failOnUnhandledRejections } from '../support/unhandled-rejections.js';

const modelPath = inject('tinyModelDir');
const small = { model: 'BAAI/bge-reranker-v2-m3', query: 'what is a fox', documents: ['A fox is a small wild canine.', 'The weather is sunny.', 'Foxes live in dens.'] };

failOnUnhandledRejections();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an aborted call on the engine thread', () => {
  it('rejects at once with AbortError, and the thread stops that work', async () => {
    const { start, threads } = recordingStarter();
    const reranker = new ThreadReranker({ modelPath }, undefined, start);
    try {
      await reranker.load();
      const controller = new AbortController();
      let started = false;
      const big = reranker.rerank(JSON.parse(fiveMegabyteRequest()), { signal: controller.signal, onStart: () => (started = true) }).catch((error: unknown) => error);
      while (!started) await sleep(20);
      // Scoring 1,000 pairs of 512 tokens takes many seconds, and the thread's event loop is busy
      // throughout (a run is synchronous); a thread that stopped at its next batch is idle.
      const thread = threads[0] as Worker;
      const working = thread.performance.eventLoopUtilization();
      await sleep(500);
      expect(thread.performance.eventLoopUtilization(working).utilization).toBeGreaterThan(0.5);
      const abortedAt = performance.now();
      controller.abort();
      expect(await big).toMatchObject({ name: 'AbortError', status: 499 });
      expect(performance.now() - abortedAt).toBeLessThan(withinMs(100));

      await sleep(500);
      const before = thread.performance.eventLoopUtilization();
      await sleep(1000);
      expect(thread.performance.eventLoopUtilization(before).utilization).toBeLessThan(0.1);
      expect((await reranker.rerank(small)).results).toHaveLength(3);
    } finally {
      await reranker.dispose();
    }
  });
});
