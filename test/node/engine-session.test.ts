/**
 * The session tests (test/support/session-behaviour.ts) on Node's engine thread: a real
 * `node:worker_threads` thread, killed by an uncaught error inside it or ending itself with
 * `process.exit` (as the browser's worker closes itself).
 */
import { inject } from 'vitest';
import type { RerankInput } from '../../src/core/contract.js';
import type { RerankOptions, RerankPartial } from '../../src/core/reranker.js';
import { ThreadReranker } from '../../src/node/thread-reranker.js';
import { fiveMegabyteRequest } from '../kit/responsiveness.js';
import { CRASH_QUERY, EXIT_QUERY } from '../support/crash-query.js';
import { outcomeOf, sessionBehaviour, type CallOutcome } from '../support/session-behaviour.js';
import { recordingStarter } from '../support/thread-starter.js';
import { failOnUnhandledRejections } from '../support/unhandled-rejections.js';

const modelPath = inject('tinyModelDir');
const small = { model: 'BAAI/bge-reranker-v2-m3', query: 'what is a fox', documents: ['A fox is a small wild canine.', 'The weather is sunny.', 'Foxes live in dens.'] };

failOnUnhandledRejections();

const { start, threads } = recordingStarter(new URL('../support/crashing-engine-thread.ts', import.meta.url));
let reranker: ThreadReranker;
const long: RerankInput = JSON.parse(fiveMegabyteRequest());

/** Starts `count` long calls; resolves once the thread has scored a first batch, with their outcomes to come. */
async function longCalls(count: number, options: RerankOptions = {}): Promise<Promise<CallOutcome>[]> {
  let markScoring!: () => void;
  const scoring = new Promise<void>((resolve) => (markScoring = resolve));
  const onPartial = (partial: RerankPartial) => {
    options.onPartial?.(partial);
    markScoring();
  };
  const calls = Array.from({ length: count }, () => outcomeOf(reranker.rerank(long, { ...options, onPartial })));
  await scoring;
  return calls;
}

const kills: Record<string, () => Promise<unknown>> = {
  'throws an uncaught error': () => reranker.rerank({ ...small, query: CRASH_QUERY }).catch(() => undefined),
  exits: () => reranker.rerank({ ...small, query: EXIT_QUERY }).catch(() => undefined),
};

sessionBehaviour({
  worker: 'thread',
  kills: { 'throws an uncaught error': /crashed on purpose/, exits: /exited \(code 7\)/ },
  open: async () => {
    reranker = new ThreadReranker({ modelPath }, undefined, start);
    await reranker.load();
  },
  close: () => reranker.dispose(),
  abortLongCall: async () => {
    const controller = new AbortController();
    let scored = 0;
    const [call] = await longCalls(1, { signal: controller.signal, onPartial: (partial) => (scored = partial.scored) });
    controller.abort();
    const outcome = (await call) as CallOutcome;
    const next = (await reranker.rerank(small)).results.length;
    return { outcome, scored, total: long.documents.length, next };
  },
  killDuringCalls: async (how) => {
    const calls = await longCalls(2);
    await kills[how]?.();
    return Promise.all(calls);
  },
  rerankSmall: async () => (await reranker.rerank(small)).results.length,
  workersStarted: async () => threads.length,
});
