/**
 * One engine thread as an `EngineSession`'s transport (core/engine-session.ts): the messages of
 * thread-protocol.ts, each reply and per-call event routed to its call by number, and the thread's
 * `error`, `messageerror` and `exit` reported as its crash.
 */
import { deserializeRerankError, messageOf } from '../core/errors.js';
import type { SessionLife, SessionTransport } from '../core/engine-session.js';
import type { RerankResponse } from '../core/contract.js';
import type { LoadProgress } from '../core/progress.js';
import type { RerankOptions, RerankerInfo } from '../core/reranker.js';
import type { EngineThreadHandle, FromEngineThread, ToEngineThread } from './thread-protocol.js';

/** A call's answer and the events the thread sends it on the way. */
interface Reply extends Pick<RerankOptions, 'onStart' | 'onScored' | 'onPartial'> {
  resolve(value: RerankResponse | null): void;
  reject(error: unknown): void;
}

/** What the thread says that belongs to no call. */
export interface ThreadNews {
  progress(event: LoadProgress): void;
  info(link: ThreadLink, info: RerankerInfo): void;
}

/** A request: every message to the thread but `cancel`, which the session sends. */
export type ThreadRequest = Exclude<ToEngineThread, { type: 'cancel' }>;

export class ThreadLink implements SessionTransport {
  readonly #replies = new Map<number, Reply>();
  /** Models this thread loaded (to load again in a fresh thread after a crash). */
  readonly loaded = new Set<string>();

  constructor(
    private readonly worker: EngineThreadHandle,
    private readonly life: SessionLife,
    private readonly news: ThreadNews,
  ) {
    // The thread keeps the process alive only while it owes answers (`hold`).
    worker.unref();
    worker.on('message', (message) => this.#receive(message));
    worker.on('error', (error) => life.crash(`The rerank thread failed: ${messageOf(error)}`));
    worker.on('messageerror', () => life.crash('A message from the rerank thread could not be read.'));
    worker.on('exit', (code) => life.crash(`The rerank thread exited (code ${code}).`));
  }

  /** Sends `message` and resolves with the thread's answer to its call. */
  request(message: ThreadRequest, { onStart, onScored, onPartial }: RerankOptions = {}): Promise<RerankResponse | null> {
    return new Promise((resolve, reject) => {
      this.#replies.set(message.call, { resolve, reject, ...(onStart ? { onStart } : {}), ...(onScored ? { onScored } : {}), ...(onPartial ? { onPartial } : {}) });
      this.#post(message);
    });
  }

  cancel(call: number): void {
    this.#post({ type: 'cancel', call });
  }

  hold(owing: boolean): void {
    if (owing) this.worker.ref();
    else this.worker.unref();
  }

  terminate(): void {
    // The session has answered these calls with the thread's end.
    this.#replies.clear();
    void this.worker.terminate();
  }

  #post(message: ToEngineThread): void {
    if (this.life.alive) this.worker.postMessage(message);
  }

  #receive(message: FromEngineThread): void {
    if (message.type === 'progress') return this.news.progress(message.event);
    if (message.type === 'started') return this.#replies.get(message.call)?.onStart?.();
    if (message.type === 'scored') return this.#replies.get(message.call)?.onScored?.(message.windows);
    if (message.type === 'partial') return this.#replies.get(message.call)?.onPartial?.(message.partial);
    this.news.info(this, message.info);
    if (message.type === 'info') return;
    const reply = this.#replies.get(message.call);
    if (!reply) return;
    this.#replies.delete(message.call);
    if (message.type === 'done') reply.resolve(message.value);
    else reply.reject(deserializeRerankError(message.error));
  }
}
