/**
 * Errors across a comlink boundary keep their class, status and code — on a MessageChannel, the
 * same transport a worker uses.
 */
import { expose, wrap, type Remote } from 'comlink';
import { afterAll, describe, expect, it } from 'vitest';
import { registerErrorTransfer } from '../../src/browser/shared/comlink-errors.js';
import { AbortError, RerankError, isAbortError, isRerankError } from '../../src/core/errors.js';

const thrower = {
  rerankError(): never {
    throw new RerankError('rate_limited', 'Slow down.', { retryAfter: 7 });
  },
  async abort(): Promise<never> {
    throw new AbortError();
  },
  plain(): never {
    throw new TypeError('not a function');
  },
  fine(): string {
    return 'ok';
  },
};

registerErrorTransfer();
const { port1, port2 } = new MessageChannel();
expose(thrower, port1);
const remote: Remote<typeof thrower> = wrap<typeof thrower>(port2);

afterAll(() => {
  port1.close();
  port2.close();
});

async function caught(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('errors across comlink', () => {
  it('arrive as RerankError with status, code and retryAfter', async () => {
    const error = await caught(() => remote.rerankError());
    expect(error).toBeInstanceOf(RerankError);
    expect(error).toMatchObject({ name: 'RerankError', status: 429, code: 'rate_limited', retryAfter: 7, message: 'Slow down.' });
  });

  it('keep an abort an AbortError', async () => {
    const error = await caught(() => remote.abort());
    expect(error).toBeInstanceOf(AbortError);
    expect(isAbortError(error)).toBe(true);
    expect(error).toMatchObject({ status: 499, code: 'aborted' });
  });

  it('turn anything else into a 500 internal_error that keeps the message', async () => {
    const error = await caught(() => remote.plain());
    expect(isRerankError(error)).toBe(true);
    expect(error).toMatchObject({ status: 500, code: 'internal_error', message: 'not a function' });
  });

  it('leave return values alone', async () => {
    expect(await remote.fine()).toBe('ok');
  });
});
