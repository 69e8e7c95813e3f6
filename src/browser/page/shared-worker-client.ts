/**
 * The page's side of `createReranker({ shared: true })`: starts (or joins) the origin's
 * SharedWorker for this config and makes its port look like a dedicated `Worker`, so the
 * `WorkerReranker` drives it unchanged — the same comlink calls, typed errors, aborts and
 * lifeline.
 *
 * The one thing a SharedWorker needs that a Worker doesn't: to know when this tab has gone. The
 * tab holds a Web Lock for its life (the browser releases it when the tab closes or crashes) and
 * names it in a first message on the port; the worker waits on that lock.
 */
import type { BrowserEngineConfig, TabHello } from '../shared/public-types.js';
import type { WorkerLike } from './worker-reranker.js';

type Listener = EventListenerOrEventListenerObject;

/** A SharedWorker's port, shaped like a dedicated Worker. `terminate()` leaves the worker to others. */
export class SharedWorkerPort implements WorkerLike {
  readonly #worker: SharedWorker;
  readonly #opened: Promise<void>;
  #releaseTabLock: () => void = () => undefined;

  constructor(worker: SharedWorker) {
    this.#worker = worker;
    this.#worker.port.start();
    this.#opened = this.#hello();
  }

  postMessage(message: unknown, transfer?: Transferable[] | StructuredSerializeOptions): void {
    // After the hello, in order: every post waits on the same promise.
    const options: StructuredSerializeOptions = Array.isArray(transfer) ? { transfer } : (transfer ?? {});
    void this.#opened.then(() => this.#worker.port.postMessage(message, options));
  }

  addEventListener(type: string, listener: Listener, options?: boolean | AddEventListenerOptions): void {
    this.#target(type).addEventListener(type, listener, options);
  }

  removeEventListener(type: string, listener: Listener, options?: boolean | EventListenerOptions): void {
    this.#target(type).removeEventListener(type, listener, options);
  }

  /** This tab leaves: the worker cancels its calls (the lock's release tells it) and serves the rest. */
  terminate(): void {
    this.#releaseTabLock();
    void this.#opened.then(() => this.#worker.port.close());
  }

  /** Script errors arrive on the SharedWorker; messages on its port. */
  #target(type: string): EventTarget {
    return type === 'error' ? this.#worker : this.#worker.port;
  }

  async #hello(): Promise<void> {
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    let lock: string | null = null;
    if (locks) {
      lock = `webrerank-tab-${crypto.randomUUID()}`;
      const released = new Promise<void>((release) => (this.#releaseTabLock = release));
      await new Promise<void>((held) => {
        void locks.request(lock as string, () => {
          held();
          return released;
        });
      });
    }
    const hello: TabHello = { webrerankTab: { lock } };
    this.#worker.port.postMessage(hello);
  }
}

/** The literal bundlers recognize (see `startSharedWorker`). */
function openSharedWorker(name: string): SharedWorker {
  return new SharedWorker(new URL('../../../worker/rerank.shared-worker.js', import.meta.url), { type: 'module', name });
}

/**
 * Starts or joins the SharedWorker for `config`. Its name is derived from the config, so tabs
 * asking for the same models and backends share one worker, and a tab asking for others gets its
 * own. The literal `new SharedWorker(new URL(…, import.meta.url), { type: 'module' })` is what
 * bundlers recognize, as for the dedicated worker.
 */
export function startSharedWorker(config: BrowserEngineConfig): SharedWorkerPort {
  return new SharedWorkerPort(openSharedWorker(sharedWorkerName(config)));
}


/** `webrerank-<hash>` of everything in the config but `preload` (a tab joining need not preload). */
export function sharedWorkerName(config: BrowserEngineConfig): string {
  const { preload: _preload, ...shared } = config;
  const text = JSON.stringify(shared);
  // FNV-1a, 32 bits: a short name; a collision would only share a worker between two configs.
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return `webrerank-${hash.toString(16).padStart(8, '0')}`;
}
