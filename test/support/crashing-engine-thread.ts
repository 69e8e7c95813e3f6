/**
 * The engine thread, plus ways to kill it for real: a rerank whose query is `CRASH_QUERY` throws
 * an uncaught error in the thread (what a bug in a native callback or a runtime fault does), one
 * whose query is `EXIT_QUERY` ends the thread with `process.exit` (no error, only its exit), so
 * tests can see how the main side survives a thread that dies mid-call. Both act between batches:
 * a thread stopped from outside in the middle of a native run can take the process down with it.
 */
// First, so the engine's listener is on the port before any message is let in.
import '../../src/node/engine-thread.js';
import { parentPort } from 'node:worker_threads';
import type { ToEngineThread } from '../../src/node/thread-protocol.js';
import { CRASH_QUERY, EXIT_QUERY } from './crash-query.js';

parentPort?.on('message', (message: ToEngineThread) => {
  if (message.type !== 'rerank') return;
  if (message.request.query === CRASH_QUERY) {
    setImmediate(() => {
      throw new Error('the engine thread crashed on purpose');
    });
  }
  if (message.request.query === EXIT_QUERY) setImmediate(() => process.exit(7));
});
