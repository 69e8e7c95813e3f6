/**
 * The messages between a `ThreadReranker` (main thread) and its engine thread (engine-thread.ts).
 *
 * Everything that crosses is plain data, so structured clone carries it as is: requests and
 * responses, progress events, info snapshots, and errors as `SerializedRerankError` (a class does
 * not survive the clone; core/errors.ts rebuilds it). Calls are numbered so that replies, `onStart`
 * and `cancel` find their call.
 */
import type { SerializedRerankError } from '../core/errors.js';
import type { LoadProgress } from '../core/progress.js';
import type { RerankRequest, RerankResponse } from '../core/contract.js';
import type { RerankPartial, RerankerInfo } from '../core/reranker.js';
import type { NodeEngineOptions } from './node-engine.js';

/**
 * The options the thread builds its engine from: a Node engine's options without the functions
 * (which can't cross). `onProgress` stays on the main thread and is fed by `progress` messages.
 */
export type EngineThreadOptions = Omit<NodeEngineOptions, 'onProgress' | 'loader' | 'preload'>;

/** Main thread → engine thread. */
export type ToEngineThread =
  | { type: 'load'; call: number; modelId?: string }
  /** `partials`: post a `partial` message after each batch (the caller streams). */
  | { type: 'rerank'; call: number; request: RerankRequest; partials?: boolean }
  /** Stop call `call` at its next batch (or tokenizing slice); it then fails with an AbortError. */
  | { type: 'cancel'; call: number }
  | { type: 'dispose'; call: number };

/** Engine thread → main thread. */
export type FromEngineThread =
  | { type: 'progress'; event: LoadProgress }
  /** Call `call`'s inference began (it waited its turn): the main side calls its `onStart`. */
  | { type: 'started'; call: number }
  /** Call `call` scored `windows` more windows: the main side calls its `onScored`. */
  | { type: 'scored'; call: number; windows: number }
  /** Call `call` scored another batch: the documents scored so far, ranked. */
  | { type: 'partial'; call: number; partial: RerankPartial }
  /** The engine's info changed (a load began, ended or failed; a fallback happened). */
  | { type: 'info'; info: RerankerInfo }
  | { type: 'done'; call: number; value: RerankResponse | null; info: RerankerInfo }
  | { type: 'failed'; call: number; error: SerializedRerankError; info: RerankerInfo };

/**
 * What the main side needs of the thread — a `node:worker_threads` Worker — written out, so that
 * the package's types don't need @types/node.
 */
export interface EngineThreadHandle {
  postMessage(message: ToEngineThread): void;
  on(event: 'message', listener: (message: FromEngineThread) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  on(event: 'messageerror', listener: () => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  /** Whether the thread keeps the process alive. */
  ref(): void;
  unref(): void;
  terminate(): Promise<number>;
}

/** Starts an engine thread with `options` as its `workerData`. */
export type EngineThreadStarter = (options: EngineThreadOptions) => EngineThreadHandle;
