/**
 * The browser tests' page: the harness that loads `src/index.ts` as `window.webrerank`.
 */
import type { BrowserContext, Page } from 'playwright-core';
import type * as webrerank from '../../../src/index.js';

export { CHROMIUM_PATH, launchChromium, launchChromiumWithProfile } from '../../kit/chromium.js';

/** Errors the page threw, so a test can assert there were none. */
export interface HarnessPage {
  page: Page;
  errors: string[];
}

/** Opens the test harness page, which loads `src/index.ts` as `window.webrerank`. */
export async function openHarness(context: BrowserContext, baseUrl: string, path = 'test/chromium/fixtures/harness.html'): Promise<HarnessPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(new URL(path, baseUrl).href);
  await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 60_000 });
  return { page, errors };
}

declare global {
  interface Window {
    /** The library under test, as the harness page imported it. */
    webrerank: typeof webrerank;
    harnessReady?: boolean;
    /** A reranker a test keeps between `evaluate` calls. */
    reranker?: webrerank.BrowserReranker;
  }
}
