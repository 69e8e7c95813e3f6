/**
 * Load progress, as one tagged union delivered to an `onProgress` callback.
 *
 * transformers.js reports per file; a user wants one bar. The tracker sums bytes over files and
 * guarantees what a progress bar needs: `loaded` never decreases, `progress` never goes backwards,
 * and the last event is `ready`.
 */
import type { Backend, Dtype } from './contract.js';

export type LoadProgress =
  /** A model file started loading (from the network, the cache or disk). */
  | { status: 'download'; model: string; file: string }
  /** Bytes so far over every file seen; `progress` is 0..100. */
  | { status: 'progress'; model: string; file: string; loaded: number; total: number; progress: number }
  /** The model is loaded and scoring can start. */
  | { status: 'ready'; model: string; backend: Backend; dtype: Dtype | string; loadMs: number };

export type ProgressCallback = (event: LoadProgress) => void;

/**
 * Wraps the app's progress callback so that it can't break the load it reports on: a callback
 * that throws, or (across the worker, where comlink makes every call a promise) rejects, is ignored.
 */
export function guardProgress(callback: ProgressCallback | undefined): ProgressCallback | undefined {
  if (!callback) return undefined;
  return (event) => {
    try {
      const result: unknown = callback(event);
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // ignored: the callback is the app's
    }
  };
}

/** The fields of transformers.js' progress events that we read. */
export interface TransformersProgressEvent {
  status: string;
  file?: string;
  loaded?: number;
  total?: number;
}

/** Folds transformers.js' per-file events into monotonic `LoadProgress` events. */
export class ProgressTracker {
  readonly #files = new Map<string, { loaded: number; total: number }>();
  #lastProgress = 0;
  #lastLoaded = 0;

  constructor(
    private readonly model: string,
    private readonly emit: ProgressCallback,
  ) {}

  /** Feed one transformers.js event. */
  readonly handle = (event: TransformersProgressEvent): void => {
    const file = event.file ?? '';
    if (event.status === 'download') {
      this.emit({ status: 'download', model: this.model, file });
      return;
    }
    if (event.status !== 'progress' || typeof event.loaded !== 'number') return;
    const previous = this.#files.get(file);
    const loaded = Math.max(previous?.loaded ?? 0, event.loaded);
    const total = Math.max(event.total ?? 0, loaded);
    this.#files.set(file, { loaded, total });

    let sumLoaded = 0;
    let sumTotal = 0;
    for (const entry of this.#files.values()) {
      sumLoaded += entry.loaded;
      sumTotal += entry.total;
    }
    // A newly discovered file raises the total and would move the bar back: hold it instead.
    this.#lastLoaded = Math.max(this.#lastLoaded, sumLoaded);
    const progress = sumTotal > 0 ? Math.min(100, (100 * sumLoaded) / sumTotal) : 0;
    this.#lastProgress = Math.max(this.#lastProgress, progress);
    this.emit({
      status: 'progress',
      model: this.model,
      file,
      loaded: this.#lastLoaded,
      total: Math.max(sumTotal, this.#lastLoaded),
      progress: this.#lastProgress,
    });
  };

  /** Closes the sequence: a final 100 % (if bytes were reported) and `ready`. */
  ready(backend: Backend, dtype: Dtype | string, loadMs: number): void {
    if (this.#files.size > 0 && this.#lastProgress < 100) {
      this.#lastProgress = 100;
      this.emit({ status: 'progress', model: this.model, file: '', loaded: this.#lastLoaded, total: this.#lastLoaded, progress: 100 });
    }
    this.emit({ status: 'ready', model: this.model, backend, dtype, loadMs });
  }
}
