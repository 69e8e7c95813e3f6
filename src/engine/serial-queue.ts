/**
 * Runs tasks one after another. ORT-web refuses overlapping runs on one session ("Session already
 * started"), and even where overlap is allowed it only splits the same cores.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
