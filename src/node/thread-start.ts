/**
 * Starting the engine thread: engine-thread.js from the built package, or engine-thread.ts from
 * source (tests, `node --import tsx`), which needs tsx inside the thread.
 */
import { Worker } from 'node:worker_threads';
import type { EngineThreadOptions } from './thread-protocol.js';

/** Starts engine-thread.js next to this module with `options`. */
export function startEngineThread(options: EngineThreadOptions): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  return startThreadEntry(new URL(fromSource ? './engine-thread.ts' : './engine-thread.js', import.meta.url), options);
}

/**
 * Starts a thread running `entry` with `options` as its `workerData`. A .ts entry (from source:
 * tests, `node --import tsx`) needs tsx in the thread: Node 20 loads a worker's entry before the
 * hooks of an inherited `--import tsx` apply ("Unknown file extension .ts"), and vitest runs
 * TypeScript without tsx at all, so such a thread starts from a one-line script that registers
 * tsx's loader and then imports the entry.
 */
export function startThreadEntry(entry: URL, options: EngineThreadOptions): Worker {
  const common = { workerData: options, name: 'webrerank-engine' };
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, common);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(`import(${tsx}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`, { ...common, eval: true });
}
