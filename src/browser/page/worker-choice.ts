/**
 * Where the model of a local reranker runs — a SharedWorker (one model for every tab of the
 * origin), a dedicated Worker (one per reranker), or the page's own thread — and why, as
 * `info()` reports it.
 */
import type { LocalRerankerInfo, WorkerChoice } from '../shared/public-types.js';
import { withInfo, type LocalReranker } from './local-reranker.js';

export type { WorkerChoice, WorkerKind } from '../shared/public-types.js';

/** What the choice depends on: the options, and which constructors this browser has. */
export interface WorkerChoiceInput {
  shared?: boolean;
  inWorker?: boolean;
  hasWorker: boolean;
  hasSharedWorker: boolean;
}

/** Picks the worker: `shared` when asked and available, else a dedicated one, else none. */
export function chooseWorker({ shared = false, inWorker, hasWorker, hasSharedWorker }: WorkerChoiceInput): WorkerChoice {
  if (inWorker === false) return { worker: 'none', workerReason: 'inWorker: false was asked for' };
  if (shared && hasSharedWorker) return { worker: 'shared', workerReason: 'shared: true was asked for; every tab of this origin uses this one model' };
  const why = shared ? 'shared: true was asked for, but this browser has no SharedWorker' : 'each reranker has its own worker (shared: true shares one between tabs)';
  if (hasWorker) return { worker: 'dedicated', workerReason: why };
  return { worker: 'none', workerReason: `${shared ? 'this browser has neither SharedWorker nor Worker' : 'this browser has no Worker'}: the model runs in the page` };
}

/** This browser's answer to `chooseWorker` for `options`. */
export function chooseWorkerHere(options: { shared?: boolean; inWorker?: boolean }): WorkerChoice {
  return chooseWorker({ ...options, hasWorker: typeof Worker === 'function', hasSharedWorker: typeof SharedWorker === 'function' });
}

/** `local`, whose `info()` (and `started()`, `load()`) also says which worker runs the model. */
export function reportingWorker(local: LocalReranker, choice: WorkerChoice): LocalReranker {
  return withInfo(local, async (info): Promise<LocalRerankerInfo & WorkerChoice> => ({ ...info, ...choice }));
}
