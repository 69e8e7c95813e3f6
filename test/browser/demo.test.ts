/**
 * The demo page as a user meets it (`npm start`): served by `vite` from source, with the
 * stand-in model under demo/public/models/. Saves screenshots to artifacts/demo.png and, mid-load,
 * artifacts/demo-progress.png.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ROOT, ensureDemoModel } from '../../demo/prepare-model.js';
import { mixedDocuments } from '../../tools/harness/documents.js';
import { launchChromium } from './support/chromium.js';
import { REPO_ROOT, startDevServer, type TestServer } from '../../tools/harness/servers.js';

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  await ensureDemoModel();
  [server, browser] = await Promise.all([startDevServer([], { root: DEMO_ROOT }), launchChromium()]);
  context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  // The page must never reach the hub in these tests.
  await context.route('https://huggingface.co/**', (route) => route.abort('internetdisconnected'));
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(server.url);
  await page.waitForSelector('#model option', { state: 'attached' });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function rerankAndWait(count: number): Promise<void> {
  await page.click('#rerank');
  await page.waitForFunction((count) => document.querySelectorAll('#results .result').length === count && !(document.getElementById('rerank') as HTMLButtonElement).disabled, count, { timeout: 120_000 });
}

describe('the demo page', () => {
  it('ranks the hosted example on the local stand-in model: bars, original indexes, backend badge', async () => {
    expect(await page.inputValue('#query')).toBe('What is machine learning?');
    expect((await page.inputValue('#documents')).split('\n')).toHaveLength(4);
    expect(await page.locator('#model option').first().textContent()).toMatch(/random weights, for testing/);
    expect(await page.locator('#model option').allTextContents()).toContainEqual(expect.stringMatching(/^BAAI\/bge-reranker-v2-m3 — from the Hugging Face hub/));

    await rerankAndWait(4);
    const rows = await page.$$eval('#results .result', (items) =>
      items.map((item) => ({
        index: Number((item as HTMLElement).dataset.index),
        score: Number(item.querySelector('.score')?.textContent),
        width: parseFloat((item.querySelector('.fill') as HTMLElement).style.width),
        label: item.querySelector('.index')?.textContent,
      })),
    );
    expect(rows.map((row) => row.index).sort()).toEqual([0, 1, 2, 3]);
    for (const row of rows) {
      expect(row.label).toBe(`doc #${row.index}`);
      expect(row.width).toBeCloseTo(100 * row.score, 0);
    }
    expect(rows.map((row) => row.score)).toEqual([...rows.map((row) => row.score)].sort((a, b) => b - a));
    expect(await page.textContent('#badge')).toMatch(/^WASM · q8 · \d+ threads?$/);
    expect(await page.textContent('#timings')).toMatch(/^load .+ · rerank .+ for 4 documents$/);
    expect(await page.isHidden('#progress')).toBe(true);
    expect(await page.isHidden('#error')).toBe(true);

    await mkdir(join(REPO_ROOT, 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'artifacts/demo.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  // The worker's WASM threads take every core here (2), so another process's burst of work can
  // hold a tiny page task past 50 ms. A page that really blocks (tokenizing or scoring on the main
  // thread) fails every try; the retries only absorb scheduler noise.
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
    expect(probe.during).toEqual([]);
    expect(await page.textContent('#timings')).toMatch(/for 100 documents$/);
  });

  it('shows one load bar that never goes back, labelled with files and bytes, then that the model is being built', async () => {
    // A fresh context: an empty model cache, so every file downloads.
    const fresh = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    try {
      await fresh.route('https://huggingface.co/**', (route) => route.abort('internetdisconnected'));
      await fresh.addInitScript(() => {
        const seen: { value: string | null; text: string }[] = [];
        (window as unknown as { progressSeen: typeof seen }).progressSeen = seen;
        document.addEventListener('DOMContentLoaded', () => {
          const bar = document.getElementById('progress-bar') as HTMLProgressElement;
          const text = document.getElementById('progress-text') as HTMLSpanElement;
          const record = () => seen.push({ value: bar.getAttribute('value'), text: text.textContent ?? '' });
          new MutationObserver(record).observe(bar, { attributes: true, attributeFilter: ['value'] });
          new MutationObserver(record).observe(text, { childList: true, characterData: true, subtree: true });
        });
      });
      const demo = await fresh.newPage();
      let shot: Promise<unknown> | undefined;
      // Hold the model file (the third by size) for a moment: the bar is mid-way, two files done.
      await fresh.route('**/onnx/model_quantized.onnx', async (route) => {
        try {
          if (route.request().method() === 'GET' && !shot) {
            await demo.waitForFunction(() => /^Loading the model: 2 of 4 files, /.test(document.getElementById('progress-text')?.textContent ?? ''), null, { timeout: 30_000 });
            shot = demo.screenshot({ path: join(REPO_ROOT, 'artifacts/demo-progress.png') });
            await shot;
          }
        } finally {
          await route.continue();
        }
      });
      await demo.goto(server.url);
      await demo.waitForSelector('#model option', { state: 'attached' });
      await demo.click('#rerank');
      await demo.waitForFunction(() => document.querySelectorAll('#results .result').length === 4, null, { timeout: 120_000 });
      const seen = await demo.evaluate(() => (window as unknown as { progressSeen: { value: string | null; text: string }[] }).progressSeen);
      const values = seen.flatMap(({ value }) => (value === null ? [] : [Number(value)]));
      expect(values.length).toBeGreaterThan(2);
      for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1] as number);
      expect(values.at(-1)).toBe(100);
      const labels = seen.map(({ text }) => text).filter((text) => text.startsWith('Loading the model: '));
      for (const label of labels) expect(label).toMatch(/^Loading the model: [0-4] of 4 files, [\d.]+ [kM]?B of [\d.]+ [kM]B$/);
      expect(labels.at(-1)).toMatch(/^Loading the model: 4 of 4 files/);
      expect(seen.map(({ text }) => text)).toContainEqual(expect.stringMatching(/^Files loaded; building the model on WASM \(q8\)…$/));
      expect(shot).toBeDefined();
    } finally {
      await fresh.close();
    }
  }, 180_000);

  it('shows a readable error when the chosen model cannot load', async () => {
    await page.selectOption('#model', { label: (await page.locator('#model option').allTextContents()).find((label) => label.startsWith('BAAI/')) as string });
    await page.click('#rerank');
    await page.waitForSelector('#error:not([hidden])', { timeout: 60_000 });
    const message = await page.textContent('#error');
    expect(message).toMatch(/Model "BAAI\/bge-reranker-v2-m3" failed to load/);
    expect(message).toMatch(/check the network, or pick the local stand-in model/);
    expect(message).toMatch(/model_load_failed \(503\)/);
    expect(await page.locator('#results .result').count()).toBe(0);
    expect(await page.isEnabled('#rerank')).toBe(true);
  });
});
