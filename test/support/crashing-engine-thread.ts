/**
 * The engine thread, plus a way to kill it for real: a rerank whose query is `CRASH_QUERY` throws
 * an uncaught error in the thread (what a bug in a native callback or a runtime fault does), so
 * tests can see how the main side survives a thread that dies mid-call.
 */
// First, so the engine's listener is on the port before any message is let in.
import '../../src/node/engine-thread.js';
import { parentPort } from 'node:worker_threads';
import type { ToEngineThread } from '../../src/node/thread-protocol.js';
import { CRASH_QUERY } from './crash-query.js';

parentPort?.on('message', (message: ToEngineThread) => {
  if (message.type === 'rerank' && message.request.query === CRASH_QUERY) {
    setImmediate(() => {
      throw new Error('the engine thread crashed on purpose');
    });
  }
});
