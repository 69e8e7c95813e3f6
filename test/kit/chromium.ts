/**
 * Real Chromium for the browser tests and the bench: Debian's build, driven by playwright-core.
 *
 * CI installs it with `apt-get install -y chromium` (see .ci/run). Set CHROMIUM_PATH to use
 * another build.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

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
