/**
 * The entry of the engine thread (`node:worker_threads`): builds the engine with the options in
 * `workerData` and answers the main thread's `ToEngineThread` messages — load, rerank, cancel,
 * dispose — forwarding load progress and each call's start.
 *
 * Why a thread: onnxruntime-node's `run()` and session creation are synchronous native calls, so
 * in the main thread every batch holds the event loop (a server's `/health`, its other requests)
 * for as long as the batch takes. Here they hold only this thread.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { SessionCalls } from '../core/engine-session.js';
import { serializeRerankError, toRerankError } from '../core/errors.js';
import { checkRerankRequestShape, type RerankResponse } from '../core/contract.js';
import type { RerankPartial } from '../core/reranker.js';
import type { RerankEngine } from '../engine/engine.js';
import { createNodeEngine } from './node-engine.js';
import type { EngineThreadOptions, FromEngineThread, ToEngineThread } from './thread-protocol.js';

/** Answers the main thread on `port` with an engine built from `options`. */
function serveEngine(port: MessagePort, options: EngineThreadOptions): void {
  const post = (message: FromEngineThread): void => port.postMessage(message);
  const engine: Promise<RerankEngine> = createNodeEngine({
    ...options,
    preload: false,
    onProgress: (event) => {
      post({ type: 'progress', event });
      // A load that reaches the runtime or finishes changes the state the main side reports.
      if (event.status === 'building' || event.status === 'ready') void postInfo();
    },
  });
  // A failed creation (a runtime this process can't switch to, say) fails every call with its error.
  engine.catch(() => undefined);
  const calls = new SessionCalls();

  async function postInfo(): Promise<void> {
    const info = await (await engine).info();
    post({ type: 'info', info });
  }

  async function answer(call: number, work: (engine: RerankEngine) => Promise<RerankResponse | null>): Promise<void> {
    let ready: RerankEngine | undefined;
    try {
      ready = await engine;
      const value = await work(ready);
      post({ type: 'done', call, value, info: await ready.info() });
    } catch (error) {
      const info = ready ? await ready.info() : { backend: null, dtype: null, state: 'failed' as const, models: [], error: toRerankError(error).message };
      post({ type: 'failed', call, error: serializeRerankError(toRerankError(error)), info });
    }
  }

  port.on('message', (message: ToEngineThread) => {
    switch (message.type) {
      case 'load':
        void answer(message.call, async (ready) => {
          const loading = ready.load(message.modelId);
          void postInfo();
          await loading;
          return null;
        });
        break;
      case 'rerank':
        // Numbered at once, so that a cancel that comes while the engine is still being built counts.
        void calls.run(message.call, (signal) =>
          answer(message.call, (ready) => {
            // The caller's thread validated the request; what arrives here is checked for shape only.
            const result = ready.rerankValidated(checkRerankRequestShape(message.request), {
              signal,
              onStart: () => post({ type: 'started', call: message.call }),
              onScored: (windows) => post({ type: 'scored', call: message.call, windows }),
              ...(message.partials ? { onPartial: (partial: RerankPartial) => post({ type: 'partial', call: message.call, partial }) } : {}),
            });
            // A first request loads the model lazily: the main side hears the state change.
            void postInfo();
            return result;
          }),
        );
        break;
      case 'cancel':
        calls.cancel(message.call);
        break;
      case 'dispose':
        calls.cancelAll();
        void answer(message.call, async (ready) => {
          await ready.dispose();
          return null;
        });
        break;
    }
  });
}

if (!parentPort) throw new Error('engine-thread.js is the entry of a worker thread; start it with new Worker(), not directly.');
serveEngine(parentPort, workerData as EngineThreadOptions);
