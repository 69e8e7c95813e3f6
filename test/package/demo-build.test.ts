/**
 * The demo, built from source with `vite build` and served by `vite preview`, as
 * `npm run demo:build && npm run demo:preview` does. (The package as users get it — the packed
 * tarball installed into apps — is tarball.test.ts.)
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ROOT, ensureDemoModel } from '../../demo/prepare-model.js';
import { launchChromium } from '../kit/chromium.js';
import { REPO_ROOT, buildApp, startPreviewServer } from '../kit/servers.js';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

describe('the demo, built from source', () => {
  it('reranks after vite build (vite preview)', async () => {
    await ensureDemoModel();
    const outDir = join(REPO_ROOT, 'dist-demo');
    await buildApp(outDir, { root: DEMO_ROOT });
    const server = await startPreviewServer(outDir, [], { root: DEMO_ROOT });
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await page.waitForSelector('#model option', { state: 'attached' });
      await page.click('#rerank');
      await page.waitForFunction(() => document.querySelectorAll('#results .result').length === 4, null, { timeout: 60_000 });
      // The badge follows the results by one info() round trip to the worker.
      await page.waitForFunction(() => (document.querySelector('#badge')?.textContent ?? '') !== '', null, { timeout: 10_000 });
      expect(await page.textContent('#badge')).toMatch(/^WASM · q8/);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    } finally {
      await page.close();
      await server.close();
    }
    // A full vite build of the demo and its worker, then a model load.
  }, 180_000);
});
