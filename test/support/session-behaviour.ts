/**
 * The session tests every engine behind a boundary passes — Node's engine thread and the browser's
 * Web Worker alike, since both run core/engine-session.ts: an abort answered at once with
 * AbortError and the next call answered; a worker that dies mid-call rejecting every call in flight
 * with `worker_crashed`; the next call answered by a fresh worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** How a call ended, as plain data (a page sends it back through `evaluate`). */
export type CallOutcome = { settled: 'resolved' } | { settled: 'rejected'; name: string; code: string; status: number; message: string };

/** What an aborted long call left behind. */
export interface AbortedCall {
  outcome: CallOutcome;
  /** Documents scored in the last partial the aborted call heard, by the time the next call answered. */
  scored: number;
  /** Documents in the aborted call. */
  total: number;
  /** How many results the next (small, three-document) call answered. */
  next: number;
}

/** Drives one reranker whose engine runs behind a boundary, and its worker from outside. */
export interface SessionHarness {
  /** What the worker is called in test names: "thread", "worker". */
  readonly worker: string;
  /** The ways this harness can kill the worker, each with what the crash's message must say. */
  readonly kills: Record<string, RegExp>;
  /** Makes the reranker and loads its model. */
  open(): Promise<void>;
  close(): Promise<void>;
  /**
   * Starts a long call with partials, aborts it on its first partial, then makes a small call:
   * what came of both.
   */
  abortLongCall(): Promise<AbortedCall>;
  /** Starts two long calls and kills the worker (`how`, a key of `kills`) while it is on them. */
  killDuringCalls(how: string): Promise<CallOutcome[]>;
  /** A small rerank of three documents: how many results it answered. */
  rerankSmall(): Promise<number>;
  /** Workers started so far. */
  workersStarted(): Promise<number>;
}

/** The outcome of `call`, as plain data. */
export async function outcomeOf(call: Promise<unknown>): Promise<CallOutcome> {
  try {
    await call;
    return { settled: 'resolved' };
  } catch (error) {
    const { name, code, status, message } = error as { name: string; code: string; status: number; message: string };
    return { settled: 'rejected', name, code, status, message };
  }
}

export function sessionBehaviour(harness: SessionHarness): void {
  describe(`the engine session in a ${harness.worker}`, () => {
    beforeAll(() => harness.open(), 120_000);
    afterAll(() => harness.close());

    it('rejects an aborted call with AbortError, stops its work, and answers the next call', async () => {
      const { outcome, scored, total, next } = await harness.abortLongCall();
      expect(outcome).toMatchObject({ settled: 'rejected', name: 'AbortError', code: 'aborted', status: 499 });
      // The next call waits its turn behind the aborted one: a worker that went on scoring it would
      // have scored every document by then, and said so.
      expect(scored).toBeGreaterThan(0);
      expect(scored).toBeLessThan(total / 2);
      expect(next).toBe(3);
    });

    for (const [how, message] of Object.entries(harness.kills)) {
      it(`rejects every call in flight with worker_crashed when the ${harness.worker} ${how}, and a fresh one answers the next call`, async () => {
        const before = await harness.workersStarted();
        const outcomes = await harness.killDuringCalls(how);
        expect(outcomes).toHaveLength(2);
        for (const outcome of outcomes) {
          expect(outcome).toMatchObject({ settled: 'rejected', name: 'RerankError', code: 'worker_crashed', status: 500, message: expect.stringMatching(message) });
        }
        expect(await harness.rerankSmall()).toBe(3);
        expect(await harness.workersStarted()).toBe(before + 1);
      });
    }
  });
}
