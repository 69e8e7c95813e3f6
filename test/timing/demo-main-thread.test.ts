/**
 * The demo page keeps its main thread free while the worker reranks: measured alone (this project
 * runs last, one file at a time), since any other busy process on the machine shows up as a long
 * task on the page.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ROOT, ensureDemoModel } from '../../demo/prepare-model.js';
import { launchChromium } from '../kit/chromium.js';
import { mixedDocuments } from '../kit/documents.js';
import { startDevServer, type TestServer } from '../kit/servers.js';
import { withinMs } from '../support/timing.js';

let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  await ensureDemoModel();
  [server, browser] = await Promise.all([startDevServer([], { root: DEMO_ROOT }), launchChromium()]);
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  await context.route('https://huggingface.co/**', (route) => route.abort('internetdisconnected'));
  page = await context.newPage();
  await page.goto(server.url);
  // The page loads the stand-in as it opens.
  await page.waitForFunction(() => /^backend: /.test(document.getElementById('device-info')?.textContent ?? ''), null, { timeout: 120_000 });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the demo page under a large rerank', () => {
  // The worker's WASM threads take every core, so another process's burst of work can hold a tiny
  // page task past 50 ms. A page that really blocks (tokenizing or scoring on the main thread)
  // fails every try; the retries and the machine's slack only absorb scheduler noise.
  it('keeps the main thread free during a 100-document rerank: no long task of 50 ms or more', { retry: 2 }, async () => {
    await page.fill('#documents', mixedDocuments(100, 20, 120, 5).join('\n'));
    // A long-task observer, and a 4 ms ticker whose largest gap estimates the longest task below 50 ms.
    await page.evaluate(() => {
      const probe = { longTasks: [] as { start: number; duration: number }[], gaps: [] as { at: number; gap: number }[], last: performance.now(), timer: 0 };
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) probe.longTasks.push({ start: entry.startTime, duration: entry.duration });
      }).observe({ type: 'longtask' });
      probe.timer = window.setInterval(() => {
        const now = performance.now();
        probe.gaps.push({ at: probe.last, gap: now - probe.last });
        probe.last = now;
      }, 4);
      (window as unknown as { probe: typeof probe }).probe = probe;
    });
    // Clicked from inside the page, so the window starts with the click and holds no test-driver work.
    await page.evaluate(() => {
      (window as unknown as { clickedAt: number }).clickedAt = performance.now();
      (document.getElementById('rerank') as HTMLButtonElement).click();
    });
    await page.waitForFunction(() => document.querySelectorAll('#results .result').length === 100 && !(document.getElementById('rerank') as HTMLButtonElement).disabled, null, { timeout: 120_000 });
    const probe = await page.evaluate(async () => {
      // Let the last rows render, so their frames are measured too.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const found = (window as unknown as { probe: { longTasks: { start: number; duration: number }[]; gaps: { at: number; gap: number }[]; timer: number } }).probe;
      clearInterval(found.timer);
      const rerank = performance.getEntriesByName('webrerank:rerank').at(-1) as PerformanceEntry;
      const start = (window as unknown as { clickedAt: number }).clickedAt;
      const end = rerank.startTime + rerank.duration;
      const within = (at: number) => at >= start && at <= end;
      return {
        rerankMs: rerank.duration,
        during: found.longTasks.filter((task) => within(task.start)).map((task) => task.duration),
        after: found.longTasks.filter((task) => task.start > end).map((task) => task.duration),
        maxGapDuring: Math.max(0, ...found.gaps.filter((gap) => within(gap.at)).map((gap) => gap.gap)),
      };
    });
    console.log(
      `demo: 100-document rerank ${probe.rerankMs.toFixed(0)} ms; long tasks from the click until the answer ${JSON.stringify(probe.during)}, ` +
        `while the results rendered ${JSON.stringify(probe.after)}; largest main-thread timer gap until the answer ${probe.maxGapDuring.toFixed(1)} ms`,
    );
    expect(probe.during.filter((duration) => duration >= withinMs(50))).toEqual([]);
    expect(await page.textContent('#timings')).toMatch(/for 100 documents$/);
  });

});
