/**
 * Noticing WASM threads that can never start, so a load fails with the fix instead of hanging.
 *
 * onnxruntime-web starts each WASM thread as a module worker on the URL of its own code. When an
 * app's bundler puts that code into webrerank's worker file — Vite does with its default
 * `worker.format: 'iife'`, which can't split the lazily imported runtime into a chunk — each
 * thread runs the worker file again, the runtime's thread code is never reached, and ORT waits for
 * the thread forever, blocking the worker (no timer or message gets through there). The thread
 * itself can tell: it is running the worker entry's own URL. It says so on a BroadcastChannel, and
 * the page, which is never blocked, fails the load.
 */
import { RerankError } from '../../core/errors.js';

const CHANNEL = 'webrerank-thread-check';

interface StrandedThreadMessage {
  kind: 'webrerank-stranded-thread';
  /** The script the thread was started from: the worker file. */
  script: string;
}

/** Whether this realm is one of onnxruntime-web's WASM threads (emscripten names them so). */
export function isRuntimeThread(): boolean {
  return (globalThis as { name?: string }).name?.startsWith('em-pthread') ?? false;
}

/**
 * Called by the worker entry when it finds itself running as a WASM thread: if the thread was
 * started from the entry's own file (`entryUrl`), the runtime was bundled into it — say so.
 */
export function reportStrandedThread(entryUrl: string): void {
  if (entryUrl !== (globalThis as { location?: { href?: string } }).location?.href) return;
  if (typeof BroadcastChannel !== 'function') return;
  const message: StrandedThreadMessage = { kind: 'webrerank-stranded-thread', script: entryUrl };
  new BroadcastChannel(CHANNEL).postMessage(message);
}

/** Listens (on the page) for a stranded thread; returns the function that stops listening. */
export function watchForStrandedThreads(onStranded: (error: RerankError) => void): () => void {
  if (typeof BroadcastChannel !== 'function') return () => undefined;
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (event: MessageEvent<unknown>) => {
    const data = event.data as Partial<StrandedThreadMessage> | null;
    if (data?.kind === 'webrerank-stranded-thread' && typeof data.script === 'string') onStranded(strandedThreadsError(data.script));
  };
  return () => channel.close();
}

/** The error a load ends with when its WASM threads can't start. */
export function strandedThreadsError(script: string): RerankError {
  return new RerankError(
    'model_load_failed',
    `onnxruntime-web cannot start its WASM threads: the app's bundler put the runtime into webrerank's worker file (${script}), ` +
      'so each thread runs that file again instead of the runtime, and loading would wait forever. ' +
      "Bundle workers as ES modules so the runtime stays a chunk of its own (Vite: worker: { format: 'es' }), or pass threads: 1.",
  );
}
