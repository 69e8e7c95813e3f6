/**
 * What a model load is waiting for, read off transformers.js' progress events — the words a
 * `model_load_stalled` error uses, so a user learns whether bytes stopped coming or the runtime
 * never finished starting.
 */
import type { TransformersProgressEvent } from '../core/progress.js';
import type { RuntimeChoice } from './cross-encoder.js';

export class LoadWaits {
  readonly #files = new Map<string, { loaded: number; total: number; done: boolean }>();

  constructor(
    private readonly source: string,
    private readonly runtime: RuntimeChoice,
  ) {}

  /** Before any event: the first file. */
  first(): string {
    return `the first model file from ${this.source}`;
  }

  /** After `event`: the next thing the load needs. */
  see(event: TransformersProgressEvent): string {
    const name = event.file ?? '';
    const file = this.#files.get(name) ?? { loaded: 0, total: 0, done: false };
    if (typeof event.loaded === 'number') file.loaded = Math.max(file.loaded, event.loaded);
    if (typeof event.total === 'number') file.total = Math.max(file.total, event.total);
    if (event.status === 'done') file.done = true;
    if (name !== '') this.#files.set(name, file);
    return this.#next();
  }

  #next(): string {
    for (const [name, file] of this.#files) {
      if (file.done) continue;
      const bytes = file.total > 0 ? ` (${megabytes(file.loaded)} of ${megabytes(file.total)} MB so far)` : '';
      return `more bytes of ${name} from ${this.source}${bytes}`;
    }
    return this.#session();
  }

  /** All files are in: what remains is the runtime building the session. */
  #session(): string {
    const { device, dtype, threads } = this.runtime;
    if (device === 'cpu') return `onnxruntime-node to build the ${dtype} inference session`;
    const threaded = threads !== undefined && threads > 1 ? ` and start its ${threads} WASM threads` : '';
    return `onnxruntime-web to build the ${device} ${dtype} inference session${threaded}`;
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
