/**
 * The session tests (test/support/session-behaviour.ts) on the browser's dedicated Web Worker in
 * real Chromium: the worker killed by closing itself (as an out-of-memory kill ends it: no event,
 * only the lifeline lock tells) or by an uncaught error (its `error` event).
 */
import type { Browser, Page, Worker as PlaywrightWorker } from 'playwright-core';
import { inject } from 'vitest';
import { HOSTED_EXAMPLE, mixedDocuments } from '../kit/documents.js';
import { startDevServer, type ServedFolder, type TestServer } from '../kit/servers.js';
import type { AbortedCall, CallOutcome } from '../support/session-behaviour.js';
import { sessionBehaviour } from '../support/session-behaviour.js';
import { launchChromium, openHarness } from './support/chromium.js';

const MODEL = HOSTED_EXAMPLE.model;
const tiny: ServedFolder = { prefix: '/test-models/tiny', dir: inject('tinyModelDir'), requests: [] };
const MODELS = [{ id: MODEL, source: { path: '/test-models/tiny' } }];
/** Enough documents for many batches, so that a call is still running when it is aborted or killed. */
const LONG = { model: MODEL, query: 'machine learning', documents: mixedDocuments(150, 100, 200, 13) };
const SMALL = { model: MODEL, query: 'machine learning', documents: ['a b', 'c d', 'e f'] };

let server: TestServer;
let browser: Browser;
let page: Page;
const workers: PlaywrightWorker[] = [];

type Pending = { calls: Promise<CallOutcome>[]; scored: number };
declare global {
  interface Window {
    sessionTest?: Pending;
  }
}

/** Starts `count` long calls in the page (the first aborted by `abort`); resolves once the worker has scored a first batch. */
function startLongCalls(count: number, abort: boolean): Promise<void> {
  return page.evaluate(
    async ({ request, count, abort }) => {
      const reranker = window.reranker as NonNullable<Window['reranker']>;
      const controller = new AbortController();
      const pending: Pending = { calls: [], scored: 0 };
      window.sessionTest = pending;
      let markScoring!: () => void;
      const scoring = new Promise<void>((resolve) => (markScoring = resolve));
      for (let index = 0; index < count; index++) {
        const call = reranker.rerank(request, {
          ...(abort ? { signal: controller.signal } : {}),
          onPartial: (partial) => {
            pending.scored = partial.scored;
            markScoring();
          },
        });
        pending.calls.push(
          call.then(
            () => ({ settled: 'resolved' }) as const,
            (e: { name: string; code: string; status: number; message: string }) => ({ settled: 'rejected', name: e.name, code: e.code, status: e.status, message: e.message }) as const,
          ),
        );
      }
      await scoring;
      if (abort) controller.abort();
    },
    { request: LONG, count, abort },
  );
}

const outcomes = () => page.evaluate(() => Promise.all((window.sessionTest as Pending).calls));
const rerankSmall = () => page.evaluate(async (request) => (await (window.reranker as NonNullable<Window['reranker']>).rerank(request)).results.length, SMALL);

const kills: Record<string, (worker: PlaywrightWorker) => Promise<unknown>> = {
  'closes itself': (worker) => worker.evaluate(() => (self as unknown as { close(): void }).close()),
  'throws an uncaught error': (worker) =>
    worker.evaluate(() => {
      setTimeout(() => {
        throw new Error('simulated crash');
      });
    }),
};

sessionBehaviour({
  worker: 'worker',
  kills: { 'closes itself': /stopped/, 'throws an uncaught error': /simulated crash/ },
  open: async () => {
    [server, browser] = await Promise.all([startDevServer([tiny]), launchChromium()]);
    ({ page } = await openHarness(await browser.newContext(), server.url));
    page.on('worker', (worker) => {
      if (worker.url().includes('rerank.worker')) workers.push(worker);
    });
    // No score cache: every call runs the model.
    await page.evaluate(async (models) => {
      window.reranker = await window.webrerank.createReranker({ models, scoreCacheBytes: 0 });
    }, MODELS);
  },
  close: async () => {
    await page?.evaluate(() => window.reranker?.dispose());
    await browser?.close();
    await server?.close();
  },
  abortLongCall: async (): Promise<AbortedCall> => {
    await startLongCalls(1, true);
    const [outcome] = await outcomes();
    const next = await rerankSmall();
    const scored = await page.evaluate(() => (window.sessionTest as Pending).scored);
    return { outcome: outcome as CallOutcome, scored, total: LONG.documents.length, next };
  },
  killDuringCalls: async (how) => {
    await startLongCalls(2, false);
    await kills[how]?.(workers.at(-1) as PlaywrightWorker).catch(() => undefined);
    return outcomes();
  },
  rerankSmall,
  workersStarted: async () => workers.length,
});
