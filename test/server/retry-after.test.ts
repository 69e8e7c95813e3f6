/** The Retry-After advised for 503 server_busy: from the queue's expected wait, spread, varied, bounded. */
import { describe, expect, it } from 'vitest';
import { BusyRetryAdvisor } from '../../src/server/retry-after.js';

describe('BusyRetryAdvisor', () => {
  it('sends each refused client further out as the promised returns pile up, instead of all in one second', () => {
    const advisor = new BusyRetryAdvisor({ random: () => 0.5 });
    for (let run = 0; run < 20; run++) advisor.recordService(0.1);
    const waits = Array.from({ length: 200 }, () => advisor.advise(8, 0));
    expect(waits[0]).toBe(1);
    expect(waits).toEqual([...waits].sort((a, b) => a - b));
    // About 10 clients per second of queue time (0.1 s each), so 200 clients span ~20 s.
    expect(waits.at(-1)).toBeGreaterThanOrEqual(19);
    expect(waits.at(-1)).toBeLessThanOrEqual(22);
    const perSecond = new Map<number, number>();
    for (const wait of waits) perSecond.set(wait, (perSecond.get(wait) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(12);
  });

  it('forgets a promise once its time has passed', () => {
    const advisor = new BusyRetryAdvisor({ random: () => 0.5 });
    for (let run = 0; run < 20; run++) advisor.recordService(0.5);
    const first = Array.from({ length: 10 }, () => advisor.advise(4, 0));
    expect(advisor.advise(4, 60_000)).toBe(first[0]);
  });

  it('varies the advice per request by up to a quarter either way', () => {
    let next = 0;
    const sequence = [0, 0.999];
    const advisor = new BusyRetryAdvisor({ random: () => sequence[next++ % 2] as number });
    for (let run = 0; run < 30; run++) advisor.recordService(1);
    // 10 pending × 1 s: 7.5 s at the low end, 12.5 s (plus the first promise: 13.75) at the high end.
    expect(advisor.advise(10, 0)).toBe(8);
    expect(advisor.advise(10, 0)).toBe(14);
  });

  it('advises at least 1 s and at most maxSeconds', () => {
    const advisor = new BusyRetryAdvisor({ maxSeconds: 5, random: () => 0.5 });
    advisor.recordService(0);
    expect(advisor.advise(0, 0)).toBe(1);
    for (let run = 0; run < 50; run++) advisor.recordService(10);
    expect(advisor.advise(100, 0)).toBe(5);
  });
});
