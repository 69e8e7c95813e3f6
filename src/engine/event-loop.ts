/**
 * Giving the event loop a turn in the middle of long async work.
 *
 * ORT's `run()` settles through microtasks only, so a loop of `await session.run()` never lets a
 * queued message in: a worker busy with 300 batches would read the page's cancel call only after
 * the last one. Awaiting this between batches lets it (and a page's input events) through.
 */

/** Resolves after the messages and events already queued have been handled. */
export function yieldToEventLoop(): Promise<void> {
  // Node: a check-phase callback runs after pending I/O, with no 1 ms timer floor.
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  // Browsers and workers: a message to ourselves queues behind messages already posted to us (the
  // same task source), without the 4 ms clamp nested setTimeout calls get.
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = () => {
        port1.close();
        resolve();
      };
      port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Longest stretch of synchronous work between two turns of the event loop (see EventLoopSlicer). */
export const DEFAULT_SLICE_MS = 10;

/**
 * Cuts long synchronous work (tokenizing a 5 MB request) into slices: `pause()` gives the event
 * loop a turn once `sliceMs` have passed since the last one, and returns at once otherwise, so the
 * work costs a handful of turns, not one per step.
 */
export class EventLoopSlicer {
  #sliceStart = performance.now();

  constructor(readonly sliceMs: number = DEFAULT_SLICE_MS) {}

  async pause(): Promise<void> {
    if (performance.now() - this.#sliceStart < this.sliceMs) return;
    await yieldToEventLoop();
    this.#sliceStart = performance.now();
  }
}
