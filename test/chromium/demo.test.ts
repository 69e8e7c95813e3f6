/**
 * The demo page as a user meets it (`npm start`): served by `vite` from source, with the
 * stand-in model under demo/public/models/. Saves screenshots to artifacts/demo.png (desktop),
 * artifacts/demo-390.png (a phone) and, mid-load, artifacts/demo-progress.png.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODELS_DIR, DEMO_ROOT, STANDIN, ensureDemoModel } from '../../demo/prepare-model.js';
import { launchChromium } from './support/chromium.js';
import { REPO_ROOT, startDevServer, type TestServer } from '../kit/servers.js';
import { startServeProcess } from '../kit/serve-process.js';

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
const run = promisify(execFile);

/** A context that never reaches the hub (these tests are offline) and may use the clipboard. */
async function offlineContext(viewport: { width: number; height: number }): Promise<BrowserContext> {
  const created = await browser.newContext({ viewport });
  await created.route('https://huggingface.co/**', (route) => route.abort('internetdisconnected'));
  await created.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
  return created;
}

/** Waits until the model chosen on `on` has loaded (the page loads it when it opens). */
async function loaded(on: Page): Promise<void> {
  await on.waitForFunction(() => /^backend: /.test(document.getElementById('device-info')?.textContent ?? '') && (document.getElementById('progress') as HTMLElement).hidden, null, { timeout: 120_000 });
}

beforeAll(async () => {
  await ensureDemoModel();
  [server, browser] = await Promise.all([startDevServer([], { root: DEMO_ROOT }), launchChromium()]);
  await mkdir(join(REPO_ROOT, 'artifacts'), { recursive: true });
  context = await offlineContext({ width: 1000, height: 900 });
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(server.url);
  await page.waitForSelector('#model option', { state: 'attached' });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function rerankAndWait(count: number, on: Page = page): Promise<void> {
  await on.click('#rerank');
  await on.waitForFunction((count) => document.querySelectorAll('#results .result').length === count && !(document.getElementById('rerank') as HTMLButtonElement).disabled, count, { timeout: 120_000 });
  // The notice and badge follow the results by one info() round trip to the worker.
  await on.waitForFunction(() => (document.querySelector('#badge')?.textContent ?? '') !== '', null, { timeout: 10_000 });
}

/** Result rows as the user sees them. */
function readRows(on: Page) {
  return on.$$eval('#results .result', (items) =>
    items.map((item) => ({
      index: Number((item as HTMLElement).dataset.index),
      score: Number(item.querySelector('.score')?.textContent),
      width: parseFloat((item.querySelector('.fill') as HTMLElement).style.width),
      label: item.querySelector('.index')?.textContent,
    })),
  );
}

describe('the demo page', () => {
  it('ranks the prefilled example on the local stand-in model: bars, original indexes, backend badge', async () => {
    expect(await page.inputValue('#query')).toBe('What is machine learning?');
    expect((await page.inputValue('#documents')).split('\n')).toHaveLength(4);
    expect(await page.locator('#model option').first().textContent()).toMatch(/^webrerank\/standin-tiny — stand-in, random weights/);
    expect(await page.locator('#model option').allTextContents()).toContainEqual(expect.stringMatching(/^BAAI\/bge-reranker-v2-m3 — the real model/));
    await loaded(page);

    await rerankAndWait(4);
    const rows = await readRows(page);
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
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('says next to the results that a stand-in ranked them and that its scores mean nothing', async () => {
    // Right above the list, and only with results: before the first rerank there is nothing to warn about.
    expect(await page.isVisible('#standin-notice')).toBe(true);
    expect(await page.textContent('#standin-notice')).toMatch(/Stand-in model: these scores mean nothing\..*random weights.*not a\s+ranking by relevance/s);
    expect(await page.evaluate(() => document.getElementById('standin-notice')?.nextElementSibling?.id)).toBe('results');
    const fresh = await context.newPage();
    try {
      await fresh.goto(server.url);
      await loaded(fresh);
      expect(await fresh.isHidden('#standin-notice')).toBe(true);
    } finally {
      await fresh.close();
    }
  }, 180_000);

  for (const viewport of [
    { width: 1280, height: 800, shot: 'demo.png' },
    { width: 390, height: 844, shot: 'demo-390.png' },
  ]) {
    it(`fits a ${viewport.width}×${viewport.height} screen: nothing scrolls sideways, result text wraps between words`, async () => {
      const sized = await offlineContext(viewport);
      try {
        const demo = await sized.newPage();
        await demo.goto(server.url);
        await loaded(demo);
        await demo.fill('#documents', [
          'Machine learning is a subset of artificial intelligence in which systems learn patterns from examples instead of following hand-written rules.',
          'The weather today is sunny.',
          'Deep learning uses neural networks with many layers.',
        ].join('\n'));
        await rerankAndWait(3, demo);
        await demo.click('#copy-curl');
        await demo.waitForFunction(() => (document.getElementById('curl-status')?.textContent ?? '') !== '');
        const layout = await demo.evaluate(() => {
          const texts = [...document.querySelectorAll<HTMLElement>('#results .text')];
          // A word split over two lines has client rects on two lines. (A line may end after a
          // space or a hyphen: those are the breaks between words.)
          const brokenWords = texts.flatMap((node) => {
            const text = node.firstChild as Text;
            return [...text.data.matchAll(/[^\s-]+/g)].flatMap((word) => {
              const range = document.createRange();
              range.setStart(text, word.index);
              range.setEnd(text, word.index + word[0].length);
              return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size > 1 ? [word[0]] : [];
            });
          });
          return {
            pageWidth: document.documentElement.scrollWidth,
            viewport: window.innerWidth,
            brokenWords,
            narrowestText: Math.min(...texts.map((node) => node.getBoundingClientRect().width)),
            widest: Math.max(...[...document.querySelectorAll('main *')].map((node) => node.getBoundingClientRect().right)),
          };
        });
        expect(layout.pageWidth).toBeLessThanOrEqual(layout.viewport);
        expect(layout.widest).toBeLessThanOrEqual(layout.viewport);
        expect(layout.brokenWords).toEqual([]);
        // Readable: the text has most of the row, not a sliver beside the score.
        expect(layout.narrowestText).toBeGreaterThan(Math.min(300, viewport.width * 0.7));
        expect(await demo.isVisible('#standin-notice')).toBe(true);
        await demo.screenshot({ path: join(REPO_ROOT, 'artifacts', viewport.shot), fullPage: true });
      } finally {
        await sized.close();
      }
    }, 180_000);
  }

  it('offers each precision the model has and this device can run, and runs the one picked', async () => {
    await page.waitForSelector('#dtype-label', { state: 'visible' });
    expect(await page.locator('#dtype option').allTextContents()).toEqual(['auto', 'q8', 'fp32']);
    await page.selectOption('#dtype', 'fp32');
    await loaded(page);
    await rerankAndWait(4);
    expect(await page.textContent('#badge')).toMatch(/^WASM · fp32/);
    await page.selectOption('#dtype', '');
    await loaded(page);
  }, 180_000);

  it('copies the current request as a curl command that a real webrerank serve answers with the same ranking', async () => {
    const documents = [`It's "quoted", has $HOME, \`backticks\` and a \\ backslash.`, 'Machine learning — über schnell, 機械学習.', 'Pizza is a popular Italian food.'];
    await page.fill('#query', "What's machine learning?");
    await page.fill('#documents', documents.join('\n'));
    await page.selectOption('#dtype', 'fp32');
    await loaded(page);
    await rerankAndWait(3);
    const onPage = await readRows(page);

    const serve = await startServeProcess(['--model-path', join(DEMO_MODELS_DIR, 'standin-tiny'), '--model', STANDIN.id, '--dtype', 'fp32', '--port', '0']);
    try {
      // The first click shows the panel with the server's address, where the user points it elsewhere.
      await page.click('#copy-curl');
      await page.fill('#server-url', serve.url);
      await page.click('#copy-curl');
      await page.waitForFunction(() => document.getElementById('curl-status')?.textContent === 'Copied to the clipboard.');
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      expect(copied).toBe(await page.textContent('#curl-command'));
      expect(copied).toMatch(/^curl /);
      expect(await page.textContent('#serve-command')).toBe(`npx webrerank serve --model-path 'demo/public/${STANDIN.path}' --model '${STANDIN.id}' --port ${new URL(serve.url).port}`);

      for (let attempt = 0; attempt < 300 && (await fetch(`${serve.url}/health`)).status !== 200; attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
      const { stdout } = await run('sh', ['-c', copied]);
      const answer = JSON.parse(stdout) as { model: string; results: { index: number; relevance_score: number }[] };
      expect(answer.model).toBe(STANDIN.id);
      expect(answer.results.map((result) => result.index)).toEqual(onPage.map((row) => row.index));
      answer.results.forEach((result, rank) => expect(result.relevance_score).toBeCloseTo(onPage[rank]?.score as number, 3));
    } finally {
      await serve.stop();
      await page.selectOption('#dtype', '');
    }
  }, 180_000);

  it('loads the model as the page opens, with one load bar that never goes back, labelled with files and bytes, then that the model is being built', async () => {
    // A fresh context: an empty model cache, so every file downloads.
    const fresh = await offlineContext({ width: 1000, height: 900 });
    try {
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
      // Nothing clicked: opening the page is enough.
      await demo.goto(server.url);
      await loaded(demo);
      expect(await demo.locator('#results .result').count()).toBe(0);
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

  it('shows a readable error as soon as a model that cannot load is picked', async () => {
    await page.selectOption('#model', { label: (await page.locator('#model option').allTextContents()).find((label) => label.startsWith('BAAI/')) as string });
    await page.waitForSelector('#error:not([hidden])', { timeout: 60_000 });
    const message = await page.textContent('#error');
    expect(message).toMatch(/Model "BAAI\/bge-reranker-v2-m3" failed to load/);
    expect(message).toMatch(/check the network, or pick the local stand-in model/);
    expect(message).toMatch(/model_load_failed \(503\)/);
    expect(await page.locator('#results .result').count()).toBe(0);
    expect(await page.isHidden('#standin-notice')).toBe(true);
    expect(await page.isEnabled('#rerank')).toBe(true);
  });
});
