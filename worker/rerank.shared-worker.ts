/**
 * The SharedWorker entry: one engine for every tab of the origin (`createReranker({ shared: true })`,
 * src/browser/page/shared-worker-client.ts). Each tab's port first says which Web Lock the tab holds,
 * then gets its own comlink endpoint onto the one `SharedEngineHost`.
 */
import { expose } from 'comlink';
import { registerErrorTransfer } from '../src/browser/shared/comlink-errors.js';
import { SharedEngineHost } from '../src/browser/worker/shared-engine-host.js';
import { isRuntimeThread } from '../src/browser/shared/thread-check.js';
import type { TabHello } from '../src/browser/shared/public-types.js';

interface ConnectEvent extends MessageEvent {
  readonly ports: readonly MessagePort[];
}

const scope = globalThis as unknown as { close(): void; navigator: { locks?: LockManager }; addEventListener(type: 'connect', listener: (event: ConnectEvent) => void): void };

// As in the dedicated worker: a WASM thread started from this module must not serve tabs. (A
// SharedWorker is never cross-origin isolated, so the runtime starts none here; see docs/browser.md.)
if (!isRuntimeThread()) {
  registerErrorTransfer();
  // The last tab gone: the engine is disposed; closing ends the worker, and with it the model's memory.
  const host = new SharedEngineHost(() => scope.close());
  scope.addEventListener('connect', (event) => {
    const port = event.ports[0];
    if (!port) return;
    const hello = (message: MessageEvent<TabHello>) => {
      port.removeEventListener('message', hello);
      const tab = host.attach();
      const lock = message.data?.webrerankTab?.lock;
      // Granted exactly when the tab has released it: closed, crashed or disposed its reranker.
      if (lock) void scope.navigator.locks?.request(lock, () => host.detach(tab));
      expose(tab, port);
    };
    port.addEventListener('message', hello);
    port.start();
  });
}
