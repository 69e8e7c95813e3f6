/**
 * Real Chromium for the browser tests: Debian's build, driven by playwright-core.
 *
 * CI installs it with `apt-get install -y chromium` (see .ci/run). Set CHROMIUM_PATH to use
 * another build.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type * as webrerank from '../../../src/index.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (!existsSync(CHROMIUM_PATH)) {
  throw new Error(`The browser tests need Chromium at ${CHROMIUM_PATH}: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH).`);
}

/** Flags that keep a headless Chromium quiet, offline and reproducible. */
const FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/**
 * Launches Chromium with a fresh profile. `webgpu` adds `--enable-unsafe-webgpu`, which gives a
 * SwiftShader (software) adapter here; without it `requestAdapter()` returns null.
 */
export function launchChromium(options: { webgpu?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...FLAGS, ...(options.webgpu ? ['--enable-unsafe-webgpu'] : [])],
  });
}

/** Launches Chromium on the profile folder `profile` (its processes can be told apart by it). */
export function launchChromiumWithProfile(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
}

/** Errors the page threw, so a test can assert there were none. */
export interface HarnessPage {
  page: Page;
  errors: string[];
}

/** Opens the test harness page, which loads `src/index.ts` as `window.webrerank`. */
export async function openHarness(context: BrowserContext, baseUrl: string, path = 'test/browser/fixtures/harness.html'): Promise<HarnessPage> {
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
