/**
 * An engine-thread starter that remembers every thread it started, so that a test can watch them
 * from outside (their event loops, their exits).
 */
import type { Worker } from 'node:worker_threads';
import { startEngineThread, startThreadEntry } from '../../src/node/thread-start.js';
import type { EngineThreadOptions } from '../../src/node/thread-protocol.js';

export function recordingStarter(entry?: URL): { start: (options: EngineThreadOptions) => Worker; threads: Worker[] } {
  const threads: Worker[] = [];
  return {
    threads,
    start: (options) => {
      const worker = entry ? startThreadEntry(entry, options) : startEngineThread(options);
      threads.push(worker);
      return worker;
    },
  };
}
