/** The Retry-After advised for 503 server_busy: from the queue's expected wait, spread, varied, bounded. */
import { describe, expect, it } from 'vitest';
import { BusyRetryAdvisor } from '../../src/server/retry-after.js';

/** Runs `count` reranks of `seconds` each, one after another, through the advisor's accounting. */
function serveInTurn(advisor: BusyRetryAdvisor, count: number, seconds: number, fromMs = 0): number {
  let nowMs = fromMs;
  for (let run = 0; run < count; run++) {
    advisor.admitted(nowMs);
    nowMs += seconds * 1000;
    advisor.finished(nowMs);
  }
  return nowMs;
}

describe('BusyRetryAdvisor', () => {
  it('sends each refused client further out as the promised returns pile up, instead of all in one second', () => {
    const advisor = new BusyRetryAdvisor({ random: () => 0.5 });
    serveInTurn(advisor, 20, 0.1);
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

  it('paces by the time the queue takes per rerank, not by one rerank’s latency when several run interleaved', () => {
    const advisor = new BusyRetryAdvisor({ random: () => 0.5, window: 32 });
    // Rounds of 8 reranks admitted together, each needing 0.1 s of the model, taken batch by batch:
    // all 8 finish together at the round's end, each 0.8 s after it began.
    let nowMs = 0;
    for (let round = 0; round < 12; round++) {
      for (let rerank = 0; rerank < 8; rerank++) advisor.admitted(nowMs);
      nowMs += 800;
      for (let rerank = 0; rerank < 8; rerank++) advisor.finished(nowMs);
    }
    expect(advisor.serviceSeconds).toBeGreaterThan(0.08);
    expect(advisor.serviceSeconds).toBeLessThan(0.12);
    // 100 clients ahead at 0.1 s each: 10 s, where latency (0.8 s each) would say 80 s.
    const wait = advisor.advise(100, nowMs);
    expect(wait).toBeGreaterThanOrEqual(8);
    expect(wait).toBeLessThanOrEqual(12);
  });

  it('does not count idle time between reranks as queue time', () => {
    const advisor = new BusyRetryAdvisor({ random: () => 0.5 });
    let nowMs = 0;
    for (let run = 0; run < 40; run++) {
      nowMs += 5000; // idle
      advisor.admitted(nowMs);
      nowMs += 200;
      advisor.finished(nowMs);
    }
    expect(advisor.serviceSeconds).toBeCloseTo(0.2, 6);
  });

  it('forgets a promise once its time has passed', () => {
    const advisor = new BusyRetryAdvisor({ random: () => 0.5 });
    serveInTurn(advisor, 20, 0.5);
    const first = Array.from({ length: 10 }, () => advisor.advise(4, 0));
    expect(advisor.advise(4, 60_000)).toBe(first[0]);
  });

  it('varies the advice per request by up to a quarter either way', () => {
    let next = 0;
    const sequence = [0, 0.999];
    const advisor = new BusyRetryAdvisor({ random: () => sequence[next++ % 2] as number });
    serveInTurn(advisor, 30, 1);
    // 10 pending × 1 s: 7.5 s at the low end, 12.5 s (plus the first promise: 13.75) at the high end.
    expect(advisor.advise(10, 0)).toBe(8);
    expect(advisor.advise(10, 0)).toBe(14);
  });

  it('advises at least 1 s and at most maxSeconds', () => {
    const advisor = new BusyRetryAdvisor({ maxSeconds: 5, random: () => 0.5 });
    expect(advisor.advise(0, 0)).toBe(1);
    serveInTurn(advisor, 50, 10);
    expect(advisor.advise(100, 0)).toBe(5);
  });
});
