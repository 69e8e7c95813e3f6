/**
 * How long a client turned away with 503 `server_busy` should wait.
 *
 * A fixed `Retry-After: 1` sends every refused client back in the same second; clients that honour
 * it exactly (cohere-ai does) then meet a full queue again, in lockstep, until their retries run
 * out. Instead the wait follows the queue: the reranks already running or waiting, plus the clients
 * already told to come back and not yet due, times the time the queue takes per rerank — rounded up
 * to whole seconds and varied per request (±25 %), so the returns spread over the time the queue
 * actually needs to drain.
 *
 * The time per rerank is the queue's busy time divided by the reranks it finished, not one rerank's
 * own latency: the model's queue is taken batch by batch, so eight large reranks run interleaved and
 * each takes about eight times its share from start to end. Advising by latency sent clients eight
 * times too far out (past cohere-ai's 60 s cap, so their retries ran out).
 */

export interface BusyRetryOptions {
  /** Longest wait ever advised, in seconds (default 60, cohere-ai's own cap). */
  maxSeconds?: number;
  /** Random source in [0, 1) (tests). */
  random?: () => number;
  /**
   * About how many of the latest reranks the time per rerank is averaged over (default 32). Reranks
   * that run together finish together, so this should be well above how many run at once.
   */
  window?: number;
}

/** Time per rerank assumed before any rerank has finished. */
const INITIAL_SERVICE_SECONDS = 0.05;
/** Each advice is varied by up to this fraction either way. */
const JITTER = 0.25;

export class BusyRetryAdvisor {
  readonly #maxSeconds: number;
  readonly #random: () => number;
  /** Each finished rerank's weight decays by this per later one: an average over about `window`. */
  readonly #decay: number;
  /** Busy seconds and finished reranks, both decayed: their ratio is the time per rerank. */
  #busySeconds = 0;
  #finished = 0;
  /** Busy seconds since the last finish, not yet weighed in. */
  #busySinceFinish = 0;
  #inQueue = 0;
  #lastEventMs: number | undefined;
  /** When each client told to wait is due back (`performance.now()` ms), oldest first. */
  #promised: number[] = [];

  constructor(options: BusyRetryOptions = {}) {
    this.#maxSeconds = options.maxSeconds ?? 60;
    this.#random = options.random ?? Math.random;
    this.#decay = 1 - 1 / Math.max(1, options.window ?? 32);
  }

  /** A rerank joined the queue (running or waiting). */
  admitted(nowMs: number = performance.now()): void {
    this.#countBusy(nowMs);
    this.#inQueue++;
  }

  /** A rerank left the queue: answered, failed or abandoned, it held its place until now. */
  finished(nowMs: number = performance.now()): void {
    this.#countBusy(nowMs);
    this.#inQueue = Math.max(0, this.#inQueue - 1);
    this.#busySeconds = this.#busySeconds * this.#decay + this.#busySinceFinish;
    this.#finished = this.#finished * this.#decay + 1;
    this.#busySinceFinish = 0;
  }

  /** Seconds of queue time per rerank, the advice's basis. */
  get serviceSeconds(): number {
    return this.#finished > 0 ? this.#busySeconds / this.#finished : INITIAL_SERVICE_SECONDS;
  }

  #countBusy(nowMs: number): void {
    if (this.#inQueue > 0 && this.#lastEventMs !== undefined) this.#busySinceFinish += Math.max(0, nowMs - this.#lastEventMs) / 1000;
    this.#lastEventMs = nowMs;
  }

  /**
   * Whole seconds the refused client should wait, given `pending` reranks running or waiting;
   * remembers the promise so the next refused client is sent further out.
   */
  advise(pending: number, nowMs: number = performance.now()): number {
    while (this.#promised.length > 0 && (this.#promised[0] as number) <= nowMs) this.#promised.shift();
    const ahead = pending + this.#promised.length;
    const expected = ahead * this.serviceSeconds * (1 - JITTER + 2 * JITTER * this.#random());
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
