/**
 * The page's watch over a worker while it starts and loads the model. A worker can stop making
 * progress in a way it cannot report itself — blocked inside onnxruntime-web, waiting for threads
 * that never start — so the page, which is never blocked, keeps the clock: any load progress resets
 * it, and a quiet spell rejects the start with 503 `model_load_stalled`, saying what it waited for.
 */
import type { LoadProgress, ProgressCallback } from '../../core/progress.js';
import { DEFAULT_LOAD_STALL_TIMEOUT_MS, StallWatchdog } from '../../core/stall-watchdog.js';

/**
 * Extra time the page gives over the worker's own watchdog, so that when the worker can still
 * report a stall, its message (which knows the runtime's state) is the one the caller sees.
 */
const PAGE_GRACE_MS = 5_000;

export interface WorkerStartWatch {
  /** Give this to the worker as its progress callback: it feeds the clock, then `onProgress`. */
  progress: ProgressCallback;
  /** Settles as `start` does, or rejects on a stall (after calling `onStall`). */
  guard<T>(start: Promise<T>, onStall?: () => void): Promise<T>;
}

/** Watches one worker start; `timeoutMs` as the engine's `loadStallTimeoutMs` (0 turns it off). */
export function watchWorkerStart(timeoutMs: number | undefined, onProgress: ProgressCallback | undefined): WorkerStartWatch {
  const quiet = timeoutMs ?? DEFAULT_LOAD_STALL_TIMEOUT_MS;
  const watchdog = new StallWatchdog('The rerank worker', quiet > 0 ? quiet + PAGE_GRACE_MS : 0, 'the worker to start, probe this device and begin loading the model');
  return {
    progress: (event) => {
      watchdog.progress(nextWait(event));
      onProgress?.(event);
    },
    guard: (start, onStall) => watchdog.guard(start, onStall),
  };
}

/** What the worker needs next after `event`. */
function nextWait(event: LoadProgress): string {
  if (event.status === 'download') return `the first bytes of ${event.file}`;
  if (event.status === 'progress' && event.progress < 100) {
    return `more bytes of the model files (${megabytes(event.loaded)} of ${megabytes(event.total)} MB so far)`;
  }
  return 'onnxruntime-web to build the inference session in the worker (its WASM module and threads)';
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
