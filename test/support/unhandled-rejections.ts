/**
 * Fails a test file that leaves a promise rejection unhandled: a retry loop or a timer that
 * rejects after its caller has moved on is a bug even when every assertion passed.
 */
import { afterAll, beforeAll, expect } from 'vitest';

export function failOnUnhandledRejections(): void {
  const seen: unknown[] = [];
  const record = (reason: unknown): void => void seen.push(reason);
  beforeAll(() => void process.on('unhandledRejection', record));
  afterAll(async () => {
    // Give late rejections (timers, sockets closing) a moment to surface.
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.off('unhandledRejection', record);
    expect(seen).toEqual([]);
  });
}
