/**
 * One engine session across a boundary — Node's engine thread (`node:worker_threads`) or the
 * browser's Web Worker (comlink over `postMessage`) — written once; only the transport differs.
 *
 * The caller's side (`EngineSession`) numbers calls, turns an abort into an AbortError at once and
 * a `cancel` of that number on the other side, rejects every call in flight exactly once when the
 * transport dies (`worker_crashed`), and starts a fresh transport on the next call. The engine's
 * side (`SessionCalls`) gives each numbered call an AbortSignal that a `cancel` fires, honoured by
 * the engine between batches. No runtime globals here: both sides import it.
 */
import { abortable } from './abortable.js';
import { RerankError, disposedError, throwIfAborted } from './errors.js';

/** One live connection to an engine on the other side, as the session drives it. */
export interface SessionTransport {
  /** Asks the other side to stop call `call` at its next batch; a call that has ended ignores it. */
  cancel(call: number): void;
  /** Stops the other side for good (the thread or worker ends). */
  terminate(): void;
  /** Whether the transport keeps its process alive: asked for while it owes answers, let go after. */
  hold?(owing: boolean): void;
}

/** What a transport is handed when it is made: how it reports its own end. */
export interface SessionLife {
  /** Rejects with what ended the transport; never resolves. */
  readonly dead: Promise<never>;
  readonly alive: boolean;
  /** The other side died: every call in flight rejects with `worker_crashed` saying `reason`. */
  crash(reason: string): void;
  /** The transport must stop (a failed start, say): every call in flight rejects with `error`. */
  fail(error: RerankError): void;
}

/** One transport's life: the calls it owes, and its end, which happens once. */
class Life<T extends SessionTransport> implements SessionLife {
  transport: T | undefined;
  alive = true;
  readonly dead: Promise<never>;
  #reject: (error: RerankError) => void = () => undefined;
  #owing = 0;

  constructor(private readonly onEnd: (life: Life<T>, crashed: boolean) => void) {
    this.dead = new Promise<never>((_, reject) => (this.#reject = reject));
    // Only calls in flight hear of the end; a transport that dies idle must not raise an unhandled rejection.
    this.dead.catch(() => undefined);
  }

  crash(reason: string): void {
    this.#end(new RerankError('worker_crashed', reason), true);
  }

  fail(error: RerankError): void {
    this.#end(error, false);
  }

  /** `answer`, or the transport's end, whichever comes first; the transport is held meanwhile. */
  owe<R>(answer: Promise<R>): Promise<R> {
    if (this.#owing++ === 0) this.transport?.hold?.(true);
    return Promise.race([answer, this.dead]).finally(() => {
      if (--this.#owing === 0 && this.alive) this.transport?.hold?.(false);
    });
  }

  #end(error: RerankError, crashed: boolean): void {
    if (!this.alive) return;
    this.alive = false;
    this.#reject(error);
    this.transport?.terminate();
    this.onEnd(this, crashed);
  }
}

/** The caller's side of a session: calls by number over a transport that is replaced when it dies. */
export class EngineSession<T extends SessionTransport> {
  #life: Life<T> | undefined;
  #nextCall = 1;
  #disposed = false;

  /**
   * `spawn` makes a transport and wires its death to `life`; `onCrash` hears of a transport that
   * crashed while it was the live one (to bring back what it had loaded, say).
   */
  constructor(
    private readonly spawn: (life: SessionLife) => T,
    private readonly onCrash?: (dead: T) => void,
  ) {}

  /** The live transport, or none (not started yet, or it died); never starts one. */
  get live(): T | undefined {
    return this.#life?.alive ? this.#life.transport : undefined;
  }

  /**
   * Runs `work` as a fresh call number on the live transport (starting one if there is none). The
   * answer is `work`'s, or the transport's end; `signal` rejects it with an AbortError at once and
   * cancels the call on the other side. Throws at once when disposed or already aborted.
   */
  call<R>(work: (transport: T, call: number) => Promise<R>, signal?: AbortSignal): Promise<R> {
    throwIfAborted(signal);
    const life = this.#current();
    const transport = life.transport as T;
    const call = this.#nextCall++;
    return abortable(life.owe(attempt(() => work(transport, call))), signal, () => {
      if (life.alive) transport.cancel(call);
    });
  }

  /**
   * Refuses new calls and ends the live transport: `drain` (given a call number of its own) first
   * lets the other side tidy up, then the calls still in flight reject with `error`.
   */
  async dispose(error: RerankError = disposedError(), drain?: (transport: T, call: number) => Promise<unknown>): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const life = this.#life;
    this.#life = undefined;
    if (!life?.alive) return;
    const transport = life.transport as T;
    if (drain) await life.owe(attempt(() => drain(transport, this.#nextCall++))).catch(() => undefined);
    life.fail(error);
  }

  #current(): Life<T> {
    if (this.#disposed) throw disposedError();
    if (this.#life?.alive) return this.#life;
    const life = new Life<T>((ended, crashed) => this.#ended(ended, crashed));
    // Kept only once made: a transport that can't start fails this call, and the next one tries again.
    life.transport = this.spawn(life);
    this.#life = life;
    return life;
  }

  #ended(life: Life<T>, crashed: boolean): void {
    if (this.#life !== life) return;
    this.#life = undefined;
    if (crashed && life.transport) this.onCrash?.(life.transport);
  }
}

/** The engine's side of a session: the calls running now, each cancellable by its number. */
export class SessionCalls {
  readonly #calls = new Map<number, AbortController>();

  /** Runs `work` as call `call`, with a signal that `cancel(call)` (or `cancelAll`) fires. */
  async run<R>(call: number, work: (signal: AbortSignal) => Promise<R>): Promise<R> {
    const controller = new AbortController();
    this.#calls.set(call, controller);
    try {
      return await work(controller.signal);
    } finally {
      this.#calls.delete(call);
    }
  }

  /** Stops call `call` at its next batch; numbers of calls that have ended are ignored. */
  cancel(call: number, reason?: unknown): void {
    this.#calls.get(call)?.abort(reason);
  }

  /** Stops every call running now. */
  cancelAll(reason?: unknown): void {
    for (const controller of this.#calls.values()) controller.abort(reason);
  }
}

function attempt<R>(work: () => Promise<R>): Promise<R> {
  try {
    return work();
  } catch (error) {
    return Promise.reject(error);
  }
}
