import { describe, expect, it } from 'vitest';
import { timed, withinMs } from '../support/timing.js';
import { DEFAULT_RETRY_POLICY, backoffDelay, isRetryableStatus, parseRetryAfter, sleep } from '../../src/remote/retry.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });

  it('reads an HTTP date as the time until it, and a past date as now', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:27:00 GMT', now)).toBe(0);
  });

  it('ignores a missing or unreadable header', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('doubles from retryDelayMs with jitter between half and all of it (ky: 300 ms, 600 ms, …)', () => {
    expect(backoffDelay(0, DEFAULT_RETRY_POLICY, () => 0)).toBe(150);
    expect(backoffDelay(0, DEFAULT_RETRY_POLICY, () => 1)).toBe(300);
    expect(backoffDelay(1, DEFAULT_RETRY_POLICY, () => 1)).toBe(600);
    expect(backoffDelay(2, DEFAULT_RETRY_POLICY, () => 0.5)).toBe(900);
  });

  it('never exceeds maxRetryDelayMs', () => {
    expect(backoffDelay(20, DEFAULT_RETRY_POLICY, () => 1)).toBe(30_000);
  });
});

describe('isRetryableStatus', () => {
  it('retries rate limits, timeouts and server failures, never a client error', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(isRetryableStatus(status)).toBe(true);
    for (const status of [400, 401, 402, 403, 404, 413, 422, 501]) expect(isRetryableStatus(status)).toBe(false);
  });
});

describe('sleep', () => {
  it('rejects with an AbortError as soon as the signal fires', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const { ms } = await timed(() => expect(sleep(10_000, controller.signal)).rejects.toMatchObject({ name: 'AbortError', code: 'aborted' }));
    expect(ms).toBeLessThan(withinMs(1_000));
  });

  it('rejects at once for a signal that already fired', async () => {
    await expect(sleep(10_000, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });
});
