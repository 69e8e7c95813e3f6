/**
 * The engine session's rules on a transport the test drives by hand: what every worker boundary
 * (Node's thread, the browser's worker) inherits. The real boundaries: the session tests in
 * test/node/engine-session.test.ts and test/chromium/engine-session.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { EngineSession, SessionCalls, type SessionLife, type SessionTransport } from '../../src/core/engine-session.js';
import { RerankError } from '../../src/core/errors.js';

/** A transport whose calls answer only when the test says, and whose death the test causes. */
class HandTransport implements SessionTransport {
  readonly cancelled: number[] = [];
  readonly holds: boolean[] = [];
  terminated = false;
  readonly answers = new Map<number, (value: string) => void>();
  constructor(readonly life: SessionLife) {}
  ask(call: number): Promise<string> {
    return new Promise((resolve) => this.answers.set(call, resolve));
  }
  cancel(call: number): void {
    this.cancelled.push(call);
  }
  terminate(): void {
    this.terminated = true;
  }
  hold(owing: boolean): void {
    this.holds.push(owing);
  }
}

function session() {
  const transports: HandTransport[] = [];
  const crashed: HandTransport[] = [];
  const engine = new EngineSession<HandTransport>(
    (life) => {
      const transport = new HandTransport(life);
      transports.push(transport);
      return transport;
    },
    (dead) => crashed.push(dead),
  );
  return { engine, transports, crashed };
}

describe('the engine session', () => {
  it('rejects every call in flight with worker_crashed when the transport dies, and starts a fresh one only on the next call', async () => {
    const { engine, transports, crashed } = session();
    const first = engine.call((transport, call) => transport.ask(call));
    const second = engine.call((transport, call) => transport.ask(call));
    const transport = transports[0] as HandTransport;
    transport.life.crash('The thread exited.');
    transport.life.crash('A second report of the same death.');
    for (const call of [first, second]) await expect(call).rejects.toMatchObject({ name: 'RerankError', code: 'worker_crashed', status: 500, message: 'The thread exited.' });
    expect(transport.terminated).toBe(true);
    expect(crashed).toEqual([transport]);
    expect(transports).toHaveLength(1);

    const next = engine.call((fresh, call) => fresh.ask(call));
    expect(transports).toHaveLength(2);
    transports[1]?.answers.get(3)?.('answered');
    expect(await next).toBe('answered');
  });

  it('rejects an aborted call at once with AbortError and cancels that call number on the other side', async () => {
    const { engine, transports } = session();
    const controller = new AbortController();
    const other = engine.call((transport, call) => transport.ask(call));
    const aborted = engine.call((transport, call) => transport.ask(call), controller.signal);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError', status: 499 });
    const transport = transports[0] as HandTransport;
    expect(transport.cancelled).toEqual([2]);
    transport.answers.get(1)?.('still answered');
    expect(await other).toBe('still answered');
    expect(() => engine.call((t, call) => t.ask(call), controller.signal)).toThrow(expect.objectContaining({ name: 'AbortError' }));
  });

  it('holds the transport while it owes answers and lets it go after', async () => {
    const { engine, transports } = session();
    const one = engine.call((transport, call) => transport.ask(call));
    const two = engine.call((transport, call) => transport.ask(call));
    const transport = transports[0] as HandTransport;
    transport.answers.get(1)?.('1');
    await one;
    expect(transport.holds).toEqual([true]);
    transport.answers.get(2)?.('2');
    await two;
    expect(transport.holds).toEqual([true, false]);
  });

  it('on dispose lets the transport tidy up, then rejects the calls in flight with the given error and refuses new ones', async () => {
    const { engine, transports, crashed } = session();
    const running = engine.call((transport, call) => transport.ask(call));
    const transport = transports[0] as HandTransport;
    let drained = false;
    await engine.dispose(new RerankError('model_unavailable', 'Disposed.'), async (t, call) => {
      expect(call).toBe(2);
      expect(t).toBe(transport);
      drained = true;
    });
    expect(drained).toBe(true);
    await expect(running).rejects.toMatchObject({ code: 'model_unavailable', message: 'Disposed.' });
    expect(transport.terminated).toBe(true);
    expect(crashed).toEqual([]);
    expect(() => engine.call((t, call) => t.ask(call))).toThrow(expect.objectContaining({ code: 'model_unavailable' }));
    expect(transports).toHaveLength(1);
  });
});

describe('a transport that cannot start', () => {
  it('fails the call that needed it, and the next call tries again', async () => {
    let attempts = 0;
    const engine = new EngineSession<HandTransport>((life) => {
      attempts++;
      if (attempts === 1) throw new RerankError('worker_crashed', 'The worker could not be started.');
      return new HandTransport(life);
    });
    expect(() => engine.call((transport, call) => transport.ask(call))).toThrow('The worker could not be started.');
    const next = engine.call((transport, call) => transport.ask(call));
    expect(attempts).toBe(2);
    expect([...(engine.live?.answers.keys() ?? [])]).toEqual([1]);
    engine.live?.answers.get(1)?.('answered');
    expect(await next).toBe('answered');
  });
});

describe("the engine's side of the session", () => {
  it('cancels a call by its number, leaves the others running, and forgets calls that ended', async () => {
    const calls = new SessionCalls();
    const signals = new Map<number, AbortSignal>();
    let finish!: () => void;
    const ended = new Promise<void>((resolve) => (finish = resolve));
    const running = [1, 2, 3].map((id) => calls.run(id, (signal) => (signals.set(id, signal), ended)));
    calls.cancel(2);
    calls.cancel(99);
    expect([1, 2, 3].map((id) => signals.get(id)?.aborted)).toEqual([false, true, false]);
    calls.cancelAll('gone');
    expect(signals.get(1)?.reason).toBe('gone');
    finish();
    await Promise.all(running);
    const late = new AbortController();
    await calls.run(4, async (signal) => void signal.addEventListener('abort', () => late.abort()));
    calls.cancel(4);
    expect(late.signal.aborted).toBe(false);
  });
});
