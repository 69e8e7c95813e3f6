/**
 * Load progress, as one tagged union delivered to an `onProgress` callback.
 *
 * transformers.js reports per file; a user wants one bar. The tracker sums bytes over files and
 * guarantees what a progress bar needs: `loaded` never decreases, `progress` never goes backwards,
 * and the last event is `ready`.
 */
import type { Backend, Dtype } from './contract.js';

export type LoadProgress =
  /** A model file started loading, from the network or from the browser's model cache. */
  | { status: 'download'; model: string; file: string; source?: 'network' | 'cache' }
  /**
   * Bytes so far over every file of the model. `progress` (0..100) and `loaded` never go back;
   * `total` is the size of all files, known from the start when the server says (HEAD or
   * Content-Length) or the cache knows. `label` says it in words, e.g. "2 of 4 files, 551 kB of
   * 570 MB"; `fileLoaded`/`fileTotal` are the bytes of `file` alone.
   */
  | {
      status: 'progress';
      model: string;
      file: string;
      loaded: number;
      total: number;
      progress: number;
      fileLoaded: number;
      fileTotal: number;
      filesDone: number;
      fileCount: number;
      /** False while some file's size is unknown (a gzipped answer without Content-Length). */
      sizeKnown: boolean;
      label: string;
    }
  /** Every file is in; the runtime is building the model (tens of seconds for the full model). */
  | { status: 'building'; model: string; backend: Backend; dtype: Dtype | string }
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

/**
 * The per-file events a loader reports: transformers.js' own (`download`, `progress`), plus two of
 * webrerank's downloader: `expect` announces every file and its size before the first byte, so the
 * total is right from the start; `building` says the bytes are in and the session is being built.
 */
export interface TransformersProgressEvent {
  status: string;
  file?: string;
  loaded?: number;
  total?: number;
  source?: 'network' | 'cache';
  /** With `expect`: every file of the model, `total` 0 when its size is unknown. */
  expected?: readonly { file: string; total: number }[];
  backend?: Backend;
  dtype?: Dtype | string;
}

/** Folds per-file events into one monotonic bar with a truthful label. */
export class ProgressTracker {
  readonly #files = new Map<string, { loaded: number; total: number; done: boolean }>();
  #announced = false;
  #sizeKnown = true;
  #lastProgress = 0;
  #lastLoaded = 0;

  constructor(
    private readonly model: string,
    private readonly emit: ProgressCallback,
  ) {}

  /** Feed one loader event. */
  readonly handle = (event: TransformersProgressEvent): void => {
    const file = event.file ?? '';
    switch (event.status) {
      case 'expect':
        this.#announce(event.expected ?? []);
        return;
      case 'download':
        this.emit(event.source ? { status: 'download', model: this.model, file, source: event.source } : { status: 'download', model: this.model, file });
        return;
      case 'building':
        this.emit({ status: 'building', model: this.model, backend: event.backend ?? 'wasm', dtype: event.dtype ?? '' });
        return;
      case 'progress':
        if (typeof event.loaded === 'number') this.#progress(file, event.loaded, event.total ?? 0);
        return;
      default:
    }
  };

  /** Closes the sequence: a final 100 % (if bytes were reported) and `ready`. */
  ready(backend: Backend, dtype: Dtype | string, loadMs: number): void {
    if (this.#files.size > 0 && this.#lastProgress < 100) {
      for (const entry of this.#files.values()) entry.done = true;
      this.#lastProgress = 100;
      this.#emitProgress('', 100);
    }
    this.emit({ status: 'ready', model: this.model, backend, dtype, loadMs });
  }

  #announce(files: readonly { file: string; total: number }[]): void {
    this.#announced = true;
    for (const { file, total } of files) {
      if (!(total > 0)) this.#sizeKnown = false;
      if (!this.#files.has(file)) this.#files.set(file, { loaded: 0, total: Math.max(0, total), done: false });
    }
  }

  #progress(file: string, reported: number, reportedTotal: number): void {
    // Once the files are announced, events about other files (a loader's own reads) don't count.
    if (this.#announced && !this.#files.has(file)) return;
    const previous = this.#files.get(file);
    const loaded = Math.max(previous?.loaded ?? 0, reported);
    const total = Math.max(previous?.total ?? 0, reportedTotal, loaded);
    const done = reportedTotal > 0 && loaded >= reportedTotal;
    this.#files.set(file, { loaded, total, done: (previous?.done ?? false) || done });

    let sumLoaded = 0;
    let sumTotal = 0;
    for (const entry of this.#files.values()) {
      sumLoaded += entry.loaded;
      sumTotal += entry.total;
    }
    // A file found late raises the total and would move the bar back: hold it instead.
    this.#lastLoaded = Math.max(this.#lastLoaded, sumLoaded);
    const progress = sumTotal > 0 ? Math.min(100, (100 * sumLoaded) / sumTotal) : 0;
    this.#lastProgress = Math.max(this.#lastProgress, progress);
    this.#emitProgress(file, this.#lastProgress);
  }

  #emitProgress(file: string, progress: number): void {
    let total = 0;
    let filesDone = 0;
    for (const entry of this.#files.values()) {
      total += entry.total;
      if (entry.done) filesDone += 1;
    }
    total = Math.max(total, this.#lastLoaded);
    const own = this.#files.get(file);
    const fileCount = this.#files.size;
    this.emit({
      status: 'progress',
      model: this.model,
      file,
      loaded: this.#lastLoaded,
      total,
      progress,
      fileLoaded: own?.loaded ?? 0,
      fileTotal: own?.total ?? 0,
      filesDone,
      fileCount,
      sizeKnown: this.#sizeKnown,
      label: progressLabel(filesDone, fileCount, this.#lastLoaded, total, this.#sizeKnown),
    });
  }
}

/** "2 of 4 files, 551 kB of 570 MB" — or "…, 551 kB so far" while a size is unknown. */
export function progressLabel(filesDone: number, fileCount: number, loaded: number, total: number, sizeKnown: boolean): string {
  const files = `${filesDone} of ${fileCount} file${fileCount === 1 ? '' : 's'}`;
  return sizeKnown ? `${files}, ${formatBytes(loaded)} of ${formatBytes(total)}` : `${files}, ${formatBytes(loaded)} so far`;
}

/** Bytes for people, in decimal units as browsers show downloads: "551 kB", "569.1 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}
