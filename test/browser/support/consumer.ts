/**
 * A web app that depends on webrerank the way a user's does: the package built by `tsc` (the same
 * build `npm run build` runs) and laid out in the app's `node_modules/webrerank/`, reached through
 * its `exports` map. Its own dependencies are links to this repo's `node_modules`, so nothing is
 * downloaded.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../tools/harness/servers.js';

const run = promisify(execFile);

/** The Vite config the README recommends for an app using webrerank. */
export const CONSUMER_VITE_CONFIG = `import { defineConfig } from 'vite';

export default defineConfig({
  // Cross-origin isolation: SharedArrayBuffer, so WASM runs on several threads.
  server: { headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } },
  preview: { headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } },
  // Required: webrerank's worker loads transformers.js lazily, and onnxruntime-web starts its
  // threads from that chunk's URL. ES workers keep it a chunk of its own.
  worker: { format: 'es' },
});
`;

const APP_HTML = `<!doctype html>
<html>
  <head><meta charset="utf-8" /><link rel="icon" href="data:," /><title>an app using webrerank</title></head>
  <body>
    <script type="module">
      import * as webrerank from 'webrerank';
      window.webrerank = webrerank;
      window.harnessReady = true;
    </script>
  </body>
</html>
`;

export interface ConsumerApp {
  dir: string;
  /** Where the built package sits: `node_modules/webrerank`. */
  packageDir: string;
  remove(): Promise<void>;
}

/** Builds the package into a fresh app folder and writes the app (index.html, vite.config.js). */
export async function createConsumerApp(): Promise<ConsumerApp> {
  const dir = await mkdtemp(join(tmpdir(), 'webrerank-app-'));
  const modules = join(dir, 'node_modules');
  const packageDir = join(modules, 'webrerank');
  await mkdir(packageDir, { recursive: true });
  await run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', join(packageDir, 'dist')], { cwd: REPO_ROOT });
  await cp(join(REPO_ROOT, 'package.json'), join(packageDir, 'package.json'));
  for (const name of await readdir(join(REPO_ROOT, 'node_modules'))) {
    if (name.startsWith('.') || name === 'webrerank') continue;
    await symlink(join(REPO_ROOT, 'node_modules', name), join(modules, name), 'dir');
  }
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'an-app', private: true, type: 'module', dependencies: { webrerank: '*' } }, null, 2));
  await writeFile(join(dir, 'vite.config.js'), CONSUMER_VITE_CONFIG);
  await writeFile(join(dir, 'index.html'), APP_HTML);
  return { dir, packageDir, remove: () => rm(dir, { recursive: true, force: true }) };
}
