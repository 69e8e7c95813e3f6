/**
 * A load that makes no progress is given up instead of awaited forever: no bytes arrive, or the
 * runtime never finishes starting (onnxruntime-web waiting for WASM threads that will never run).
 * Whoever loads feeds the watchdog each sign of progress with what it waits for next; after
 * `timeoutMs` without one, the load rejects with 503 `model_load_stalled` naming that wait.
 */
import { RerankError } from './errors.js';

/** How long a model load may go without any progress before it is given up: 60 s. */
export const DEFAULT_LOAD_STALL_TIMEOUT_MS = 60_000;

export class StallWatchdog {
  #waitingFor: string;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onStall: (() => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #settled = false;

  /**
   * @param subject what is loading, as a message starts: `Loading model "BAAI/bge-reranker-v2-m3"`.
   * @param timeoutMs quiet time allowed; 0 or Infinity turns the watchdog off.
   * @param waitingFor the first thing waited for.
   */
  constructor(
    private readonly subject: string,
    private readonly timeoutMs: number,
    waitingFor: string,
  ) {
    this.#waitingFor = waitingFor;
  }

  /** Whether a stall can fire at all. */
  get enabled(): boolean {
    return Number.isFinite(this.timeoutMs) && this.timeoutMs > 0;
  }

  /** Something moved: the clock starts again, now waiting for `waitingFor`. */
  progress(waitingFor: string): void {
    this.#waitingFor = waitingFor;
    if (this.#timer !== undefined) this.#arm();
  }

  /**
   * Settles as `work` does, unless `timeoutMs` pass without progress first: then it rejects with
   * `model_load_stalled`, and `work` is left to finish (or not) on its own — `onStall` is the place
   * to stop it (terminate a worker, say).
   */
  guard<T>(work: Promise<T>, onStall?: () => void): Promise<T> {
    if (!this.enabled) return work;
    this.#onStall = onStall;
    return new Promise<T>((resolve, reject) => {
      this.#reject = reject;
      this.#arm();
      work.then(
        (value) => this.#settle(() => resolve(value)),
        (error: unknown) => this.#settle(() => reject(error)),
      );
    });
  }

  /** The error a stall ends with. */
  stalledError(): RerankError {
    const seconds = Math.round(this.timeoutMs / 100) / 10;
    return new RerankError('model_load_stalled', `${this.subject} made no progress for ${seconds} s while waiting for ${this.#waitingFor}.`);
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (this.#settled) return;
      this.#settled = true;
      this.#reject?.(this.stalledError());
      this.#onStall?.();
    }, this.timeoutMs);
  }

  #settle(finish: () => void): void {
    clearTimeout(this.#timer);
    if (this.#settled) return;
    this.#settled = true;
    finish();
  }
}
