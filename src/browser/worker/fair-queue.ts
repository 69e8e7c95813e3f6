/**
 * Runs jobs one at a time, taking turns between keys (tabs): round-robin, not first-come. A tab
 * that queues 50 calls gets one, then every other waiting tab gets one, and so on — no tab waits
 * behind another's backlog.
 *
 * Pure: no worker or DOM globals, so it is unit-tested in Node.
 */
import { AbortError } from '../../core/errors.js';

interface Job {
  start(): void;
  fail(error: unknown): void;
}

/** A one-at-a-time queue that serves its keys in turn. */
export class FairQueue {
  /** Waiting jobs per key; the Map's order is the rotation (the next key to serve is first). */
  readonly #waiting = new Map<string, Job[]>();
  #busy = false;
  /** The key served last: it goes behind every other waiting key before it is served again. */
  #lastServed: string | undefined;

  /** Jobs waiting, over all keys (the running one not counted). */
  get size(): number {
    let count = 0;
    for (const jobs of this.#waiting.values()) count += jobs.length;
    return count;
  }

  /**
   * Queues `task` under `key`; it starts when it is `key`'s turn. A `signal` that fires while the
   * job still waits takes it out of the queue and rejects with an AbortError (once running, the
   * task itself must watch the signal).
   */
  run<T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) return reject(new AbortError(undefined, { cause: signal.reason }));
      const onAbort = () => {
        if (this.#remove(key, job)) reject(new AbortError(undefined, { cause: signal?.reason }));
      };
      const job: Job = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#busy = true;
          task()
            .then(resolve, reject)
            .finally(() => {
              this.#busy = false;
              this.#next();
            });
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const jobs = this.#waiting.get(key);
      if (jobs) jobs.push(job);
      else this.#waiting.set(key, [job]);
      if (!this.#busy) this.#next();
    });
  }

  /** Rejects every job `key` still has waiting with `error` (the running one is the caller's to stop). */
  drop(key: string, error: unknown): void {
    const jobs = this.#waiting.get(key) ?? [];
    this.#waiting.delete(key);
    for (const job of jobs) job.fail(error);
  }

  /**
   * Starts the next job of the key whose turn it is. The key served last waits behind every other
   * key, including one that arrived while it ran.
   */
  #next(): void {
    const last = this.#lastServed === undefined ? undefined : this.#waiting.get(this.#lastServed);
    if (last && this.#waiting.size > 1) {
      this.#waiting.delete(this.#lastServed as string);
      this.#waiting.set(this.#lastServed as string, last);
    }
    const first = this.#waiting.entries().next();
    if (first.done) return;
    const [key, jobs] = first.value;
    const job = jobs.shift() as Job;
    if (jobs.length === 0) this.#waiting.delete(key);
    this.#lastServed = key;
    job.start();
  }

  #remove(key: string, job: Job): boolean {
    const jobs = this.#waiting.get(key);
    const at = jobs?.indexOf(job) ?? -1;
    if (!jobs || at < 0) return false;
    jobs.splice(at, 1);
    if (jobs.length === 0) this.#waiting.delete(key);
    return true;
  }
}
