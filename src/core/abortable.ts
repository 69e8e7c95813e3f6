/**
 * A call on the other side of a boundary (a Web Worker, a Node thread) that an `AbortSignal` ends
 * at once on this side, while the other side is told to stop.
 */
import { AbortError } from './errors.js';

/** Settles with `work`, or rejects with an AbortError the moment `signal` fires (then calls `onAbort`). */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      reject(new AbortError(undefined, { cause: signal.reason }));
      onAbort();
    };
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
