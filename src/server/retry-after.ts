/**
 * How long a client turned away with 503 `server_busy` should wait.
 *
 * A fixed `Retry-After: 1` sends every refused client back in the same second; clients that honour
 * it exactly (cohere-ai does) then meet a full queue again, in lockstep, until their retries run
 * out. Instead the wait follows the queue: the reranks already running or waiting, plus the clients
 * already told to come back and not yet due, times the average time one rerank takes — rounded up
 * to whole seconds and varied per request (±25 %), so the returns spread over the time the queue
 * actually needs to drain.
 */

export interface BusyRetryOptions {
  /** Longest wait ever advised, in seconds (default 60, cohere-ai's own cap). */
  maxSeconds?: number;
  /** Random source in [0, 1) (tests). */
  random?: () => number;
}

/** Average inference time assumed before any rerank has been measured. */
const INITIAL_SERVICE_SECONDS = 0.05;
/** Weight of the newest measurement in the moving average. */
const SMOOTHING = 0.2;
/** Each advice is varied by up to this fraction either way. */
const JITTER = 0.25;

export class BusyRetryAdvisor {
  readonly #maxSeconds: number;
  readonly #random: () => number;
  #serviceSeconds = INITIAL_SERVICE_SECONDS;
  /** When each client told to wait is due back (ms since epoch), oldest first. */
  #promised: number[] = [];

  constructor(options: BusyRetryOptions = {}) {
    this.#maxSeconds = options.maxSeconds ?? 60;
    this.#random = options.random ?? Math.random;
  }

  /** Records how long one rerank's inference took, in seconds. */
  recordService(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    this.#serviceSeconds += SMOOTHING * (seconds - this.#serviceSeconds);
  }

  /** The average inference time the advice is based on, in seconds. */
  get serviceSeconds(): number {
    return this.#serviceSeconds;
  }

  /**
   * Whole seconds the refused client should wait, given `pending` reranks running or waiting;
   * remembers the promise so the next refused client is sent further out.
   */
  advise(pending: number, nowMs: number = Date.now()): number {
    while (this.#promised.length > 0 && (this.#promised[0] as number) <= nowMs) this.#promised.shift();
    const ahead = pending + this.#promised.length;
    const expected = ahead * this.#serviceSeconds * (1 - JITTER + 2 * JITTER * this.#random());
    const seconds = Math.min(this.#maxSeconds, Math.max(1, Math.ceil(expected)));
    insertSorted(this.#promised, nowMs + seconds * 1000);
    return seconds;
  }
}

function insertSorted(values: number[], value: number): void {
  let at = values.length;
  while (at > 0 && (values[at - 1] as number) > value) at--;
  values.splice(at, 0, value);
}
