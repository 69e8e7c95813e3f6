/**
 * The tarball is the product. `npm pack` builds it; npm installs it into fresh projects, as a user
 * would, and each ranks with it: Node ESM, Node CommonJS, TypeScript (`tsc --noEmit` with bundler
 * and node16 resolution), the `webrerank` command (`serve` included), and a Vite app with the README's config — in
 * dev, built and previewed, with and without cross-origin isolation, in a worker and in the page.
 * publint and arethetypeswrong check the tarball itself.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STANDIN_WARNING } from '../../src/core/standin.js';
import type { RerankResponse } from '../../src/core/contract.js';
import { launchChromium } from '../kit/chromium.js';
import { openHarness } from '../chromium/support/chromium.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { REPO_ROOT, buildApp, startDevServer, startPreviewServer, type AppOptions, type ServedFolder, type TestServer } from '../kit/servers.js';
import { expectSameRanking } from '../chromium/support/parity.js';
import { untilHealthy } from '../kit/serve-process.js';
import { linkTool, packAndInstall, runIn, writeProject, type Consumers } from './support/consumers.js';

const modelDir = inject('tinyModelDir');
const tiny: ServedFolder = { prefix: '/test-models/tiny', dir: modelDir, requests: [] };
/** A page load plus a rerank, in Chromium on a small shared machine. */
const BROWSER_TIMEOUT = 240_000;
const BIN = (name: string) => join(REPO_ROOT, 'node_modules/.bin', name);

let consumers: Consumers;
let browser: Browser;
/** The tarball's answer in Node (onnxruntime-node, fp32): what every other consumer must match. */
let nodeResponse: RerankResponse;

/** The README's Vite config, verbatim: the block that starts with `// vite.config.js`. */
async function readmeViteConfig(): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1] as string).find((code) => code.startsWith('// vite.config.js'));
  if (!block) throw new Error('README.md has no ```js block starting with // vite.config.js');
  return block;
}

const NODE_SCRIPT = (load: string, options = '') => `${load}
const [modelPath, body] = process.argv.slice(2);
const reranker = await createReranker({ modelPath, dtype: 'fp32'${options} });
const response = await reranker.rerank(JSON.parse(body));
await reranker.dispose();
console.log(JSON.stringify({ resolved, response }));
`;

/** Each framework adapter, from its sub-path export, ranking with the package's own reranker. */
const ADAPTERS_SCRIPT = `import { createReranker } from 'webrerank';
import { WebrerankDocumentCompressor } from 'webrerank/langchain';
import { WebrerankNodePostprocessor } from 'webrerank/llamaindex';
import { webrerankRerankingModel } from 'webrerank/ai-sdk';
import { Document } from '@langchain/core/documents';
import { TextNode } from '@llamaindex/core/schema';
const [modelPath, body] = process.argv.slice(2);
const { query, documents } = JSON.parse(body);
const reranker = await createReranker({ modelPath, dtype: 'fp32' });
const [document] = await new WebrerankDocumentCompressor({ reranker, topN: 1 }).compressDocuments(documents.map((pageContent) => new Document({ pageContent })), query);
const [node] = await new WebrerankNodePostprocessor({ reranker, topN: 1 }).postprocessNodes(documents.map((text) => ({ node: new TextNode({ text }) })), query);
const { ranking } = await webrerankRerankingModel({ reranker }).doRerank({ documents: { type: 'text', values: documents }, query, topN: 1 });
await reranker.dispose();
console.log(JSON.stringify({
  resolved: import.meta.resolve('webrerank/langchain'),
  langchain: documents.indexOf(document.pageContent),
  llamaindex: documents.indexOf(node.node.text),
  aiSdk: ranking[0].index,
}));
`;

const TS_BROWSER = `import { createReranker, isRerankError, isScored, type BrowserRerankerOptions, type RerankResponse } from 'webrerank';
const options: BrowserRerankerOptions = { inWorker: false, wasmPaths: { mjs: '/ort.mjs', wasm: '/ort.wasm' }, loadStallTimeoutMs: 30_000 };
const reranker = await createReranker(options);
try {
  const response: RerankResponse = await reranker.rerank({ model: 'BAAI/bge-reranker-v2-m3', query: 'q', documents: ['a'] });
  // A result may be unscored only under budget_ms; isScored narrows it to one with a number.
  const first = response.results[0]!;
  const score: number = isScored(first) ? first.relevance_score : Number.NaN;
  void score;
} catch (error) {
  if (isRerankError(error) && error.code === 'model_load_stalled') console.log(error.status);
}
`;

const TS_NODE = `import { createReranker, type RerankResponse } from 'webrerank';
import { createServerApp } from 'webrerank/server';
import { startServer } from 'webrerank/server/node';
const reranker = await createReranker({ modelPath: './models/x', dtype: 'q8', threads: 2 });
const response: RerankResponse = await reranker.rerank({ model: 'BAAI/bge-reranker-v2-m3', query: 'q', documents: ['a'] });
void response; void createServerApp; void startServer;
`;

const tsconfig = (module: string, moduleResolution: string, file: string) =>
  JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', module, moduleResolution, noEmit: true, skipLibCheck: false, lib: ['es2023', 'dom'], types: [] }, files: [file] });

const APP_MAIN = `import * as webrerank from 'webrerank';
// onnxruntime-web's own files, for threads in the page's own thread (the README's recipe).
import mjs from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import wasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
window.webrerank = webrerank;
window.ortFiles = { mjs, wasm };
window.harnessReady = true;
`;

beforeAll(async () => {
  [consumers, browser] = await Promise.all([packAndInstall(), launchChromium()]);
  // vite for the app; the frameworks the adapters take as optional peers, as their users have them.
  for (const name of ['vite', '@langchain/core', '@llamaindex/core']) await linkTool(consumers, name);
  await writeProject(consumers.dir, {
    'esm/package.json': JSON.stringify({ type: 'module' }),
    'esm/index.js': NODE_SCRIPT(`import { createReranker } from 'webrerank';\nconst resolved = import.meta.resolve('webrerank');`),
    'esm/adapters.js': ADAPTERS_SCRIPT,
    'esm/thread.js': NODE_SCRIPT(`import { createReranker } from 'webrerank';\nconst resolved = import.meta.resolve('webrerank');`, ', inWorker: true'),
    'cjs/package.json': JSON.stringify({ type: 'commonjs' }),
    'cjs/index.js': `const { createReranker } = require('webrerank');\nconst resolved = require.resolve('webrerank');\n(async () => {\n${NODE_SCRIPT('')}})();\n`,
    'ts/package.json': JSON.stringify({ type: 'module' }),
    'ts/browser.ts': TS_BROWSER,
    'ts/node.ts': TS_NODE,
    'ts/tsconfig.bundler.json': tsconfig('esnext', 'bundler', 'browser.ts'),
    'ts/tsconfig.node16.json': tsconfig('node16', 'node16', 'node.ts'),
    // The Vite app sits at the top, beside node_modules, as an app's files do (Vite serves only
    // files under its root's package).
    'index.html': '<!doctype html>\n<html><head><meta charset="utf-8" /><link rel="icon" href="data:," /></head><body><script type="module" src="/main.js"></script></body></html>\n',
    'main.js': APP_MAIN,
    'vite.config.js': await readmeViteConfig(),
  });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await consumers?.remove();
});

describe('the tarball', () => {
  it('holds the built library, its worker, types, self-contained source maps, README, LICENSE and the API docs — no sources, no tests', async () => {
    const files = consumers.files;
    for (const path of ['package.json', 'README.md', 'LICENSE', 'docs/API.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/node.js', 'dist/src/node/engine-thread.js', 'dist/src/cli.js', 'dist/worker/rerank.worker.js']) {
      expect(files).toContain(path);
    }
    expect(files.filter((path) => !path.startsWith('dist/') && !path.startsWith('docs/'))).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
    expect(files.some((path) => path.startsWith('src/') || path.startsWith('test/') || path.startsWith('tools/') || path.startsWith('demo/') || path.startsWith('dist/src/demo'))).toBe(false);
    const map = JSON.parse(await readFile(join(consumers.dir, 'node_modules/webrerank/dist/src/browser/page/create-reranker.js.map'), 'utf8')) as { sourcesContent?: string[] };
    expect(map.sourcesContent?.[0]).toContain('export async function createReranker');
  });

  it('passes publint (strict) and arethetypeswrong (ESM-only profile)', async () => {
    const publint = await runIn(consumers.dir, BIN('publint'), ['run', consumers.tarball, '--strict']);
    expect(publint.stdout + publint.stderr).toContain('All good');
    expect(publint.code).toBe(0);
    const attw = await runIn(consumers.dir, BIN('attw'), [consumers.tarball, '--profile', 'esm-only', '--format', 'table-flipped']);
    expect(attw.code, attw.stdout + attw.stderr).toBe(0);
  });
});

describe('Node projects with the tarball installed', () => {
  it('ranks from an ES module project (import → dist/src/node.js, onnxruntime-node)', async () => {
    const { code, stdout, stderr } = await runIn(join(consumers.dir, 'esm'), process.execPath, ['index.js', modelDir, JSON.stringify(HOSTED_EXAMPLE)]);
    expect(code, stderr).toBe(0);
    const { resolved, response } = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { resolved: string; response: RerankResponse };
    expect(resolved).toBe(`file://${join(consumers.dir, 'node_modules/webrerank/dist/src/node.js')}`);
    expect(response.meta).toEqual({ backend: 'cpu', dtype: 'fp32', warnings: [STANDIN_WARNING] });
    expect(response.results).toHaveLength(HOSTED_EXAMPLE.documents.length);
    nodeResponse = response;
  });

  it('ranks with webrerank/langchain, webrerank/llamaindex and webrerank/ai-sdk, each the best document of the package\'s reranker', async () => {
    const { code, stdout, stderr } = await runIn(join(consumers.dir, 'esm'), process.execPath, ['adapters.js', modelDir, JSON.stringify(HOSTED_EXAMPLE)]);
    expect(code, stderr).toBe(0);
    const best = nodeResponse.results[0]?.index;
    expect(JSON.parse(stdout.trim().split('\n').at(-1) as string)).toEqual({
      resolved: `file://${join(consumers.dir, 'node_modules/webrerank/dist/src/adapters/langchain.js')}`,
      langchain: best,
      llamaindex: best,
      aiSdk: best,
    });
  });

  it('ranks in a worker thread of its own (inWorker: true) as in-process, and the script exits', async () => {
    const { code, stdout, stderr } = await runIn(join(consumers.dir, 'esm'), process.execPath, ['thread.js', modelDir, JSON.stringify(HOSTED_EXAMPLE)]);
    expect(code, stderr).toBe(0);
    const { response } = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { response: RerankResponse };
    expect(response).toEqual(nodeResponse);
  });

  it("ranks from a CommonJS project with require('webrerank') (Node's require() loads ES modules)", async () => {
    const { code, stdout, stderr } = await runIn(join(consumers.dir, 'cjs'), process.execPath, ['index.js', modelDir, JSON.stringify(HOSTED_EXAMPLE)]);
    expect(code, stderr).toBe(0);
    const { resolved, response } = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { resolved: string; response: RerankResponse };
    expect(resolved).toBe(join(consumers.dir, 'node_modules/webrerank/dist/src/node.js'));
    expectSameRanking(response, nodeResponse);
  });

  it.each(['bundler', 'node16'])('type-checks a TypeScript project against the types (moduleResolution %s, skipLibCheck off)', async (resolution) => {
    const { code, stdout, stderr } = await runIn(join(consumers.dir, 'ts'), BIN('tsc'), ['-p', `tsconfig.${resolution}.json`]);
    expect(stdout + stderr).toBe('');
    expect(code).toBe(0);
  });

  it('runs `npx webrerank --help` and `--version` from the installed tarball', async () => {
    const help = await runIn(consumers.dir, 'npx', ['--no-install', 'webrerank', '--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: webrerank <command>/);
    const version = await runIn(consumers.dir, 'npx', ['--no-install', 'webrerank', '--version']);
    expect(version.stdout.trim()).toBe(consumers.version);
  });
});

describe('`npx webrerank serve` from the installed tarball', () => {
  it('answers /health and ranks with its model in the engine thread', async () => {
    // A process group of its own: npx does not pass a signal on to the command it started, so the
    // test stops the whole group, as a terminal's Ctrl-C does.
    const serve = spawn('npx', ['--no-install', 'webrerank', 'serve', '--model-path', modelDir, '--dtype', 'fp32', '--port', '0'], { cwd: consumers.dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const exited = new Promise<number | null>((resolve) => serve.once('exit', resolve));
    let stderr = '';
    serve.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let url: string | undefined;
    try {
      url = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        serve.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(stdout);
          if (match?.[1]) resolve(match[1]);
        });
        void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      await untilHealthy(url);
      const response = await fetch(`${url}/v1/rerank`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(HOSTED_EXAMPLE) });
      expect(response.status).toBe(200);
      expectSameRanking((await response.json()) as RerankResponse, nodeResponse);
    } finally {
      process.kill(-(serve.pid as number), 'SIGTERM');
      await exited;
      // The server itself (npx's child) is gone too: its port refuses.
      for (let tries = 0; url !== undefined && tries < 100; tries++) {
        if (!(await fetch(`${url}/health`).then(() => true, () => false))) url = undefined;
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(url, 'webrerank serve still answers after SIGTERM').toBeUndefined();
    }
  });
});

interface PageRun {
  response?: RerankResponse;
  error?: { code: string; status: number; message: string };
  threads?: number;
  isolated: boolean;
  cores: number;
}

/** Opens the app at `server`, ranks the hosted example with `options`, and reports what happened. */
async function rankInApp(server: TestServer, options: { inWorker?: boolean; ortFiles?: boolean } = {}) {
  const context = await browser.newContext();
  const outside: string[] = [];
  context.on('request', (request) => {
    // blob: URLs of the page's own origin are ORT's thread script, fetched from the server first.
    if (!request.url().startsWith(server.url) && !request.url().startsWith(`blob:${new URL(server.url).origin}/`)) outside.push(request.url());
  });
  try {
    const { page, errors } = await openHarness(context, server.url, 'index.html');
    const workers: string[] = [];
    page.on('worker', (worker) => workers.push(new URL(worker.url()).pathname));
    const result = await page.evaluate(
      async ({ request, inWorker, ortFiles }): Promise<PageRun> => {
        const page = { isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency };
        try {
          const reranker = await window.webrerank.createReranker({
            models: [{ id: request.model, source: { path: '/test-models/tiny' } }],
            dtype: 'fp32',
            ...(inWorker === false ? { inWorker } : {}),
            ...(ortFiles ? { wasmPaths: (window as unknown as { ortFiles: { mjs: string; wasm: string } }).ortFiles } : {}),
          });
          const response = await reranker.rerank(request);
          const threads = (await reranker.info()).plan?.runtimes[0]?.threads;
          await reranker.dispose();
          return { ...page, response, ...(threads !== undefined ? { threads } : {}) };
        } catch (caught) {
          const error = caught as { code: string; status: number; message: string };
          return { ...page, error: { code: error.code, status: error.status, message: error.message } };
        }
      },
      { request: HOSTED_EXAMPLE, inWorker: options.inWorker, ortFiles: options.ortFiles },
    );
    return { ...result, workers, errors, outside };
  } finally {
    await context.close();
  }
}

function expectRanked(run: Awaited<ReturnType<typeof rankInApp>>) {
  expect(run.error).toBeUndefined();
  expect(run.response?.meta).toEqual({ backend: 'wasm', dtype: 'fp32', warnings: [STANDIN_WARNING] });
  expectSameRanking(run.response as RerankResponse, nodeResponse);
  expect(run.errors).toEqual([]);
  expect(run.outside).toEqual([]);
}

describe('a Vite app with the tarball installed and the README config', () => {
  const app = (): AppOptions & { warnings: string[] } => ({ root: consumers.dir, configFile: join(consumers.dir, 'vite.config.js'), warnings: [] });

  it.each([true, false])('ranks in dev (vite), cross-origin isolated: %s, with no warning about source maps', async (isolated) => {
    const options = app();
    const server = await startDevServer([tiny], options, { isolated });
    try {
      const run = await rankInApp(server);
      expectRanked(run);
      expect(run.isolated).toBe(isolated);
      expect(run.workers).toContain('/node_modules/webrerank/dist/worker/rerank.worker.js');
      expect(options.warnings.filter((line) => /source ?map|missing source/i.test(line))).toEqual([]);
    } finally {
      await server.close();
    }
  }, BROWSER_TIMEOUT);

  describe('after vite build (vite preview)', () => {
    const outDir = () => join(consumers.dir, 'dist');
    beforeAll(() => buildApp(outDir(), app()), 300_000);

    it('ranks in its worker, bundled as an asset, with threads when cross-origin isolated', async () => {
      const server = await startPreviewServer(outDir(), [tiny], app());
      try {
        const run = await rankInApp(server);
        expectRanked(run);
        expect(run.isolated).toBe(true);
        expect(run.workers).toContainEqual(expect.stringMatching(/^\/assets\/rerank\.worker-[\w-]+\.js$/));
        expect(run.threads).toBe(Math.min(run.cores, 8));
      } finally {
        await server.close();
      }
    }, BROWSER_TIMEOUT);

    it('ranks in its worker on one thread without cross-origin isolation', async () => {
      const server = await startPreviewServer(outDir(), [tiny], app(), { isolated: false });
      try {
        const run = await rankInApp(server);
        expectRanked(run);
        expect(run.isolated).toBe(false);
        expect(run.threads).toBe(1);
      } finally {
        await server.close();
      }
    }, BROWSER_TIMEOUT);

    it("ranks in the page's own thread (inWorker: false) when isolated: one thread, or threads with ORT's own files as wasmPaths", async () => {
      const server = await startPreviewServer(outDir(), [tiny], app());
      try {
        const single = await rankInApp(server, { inWorker: false });
        expectRanked(single);
        expect(single.threads).toBe(1);
        const threaded = await rankInApp(server, { inWorker: false, ortFiles: true });
        expectRanked(threaded);
        expect(threaded.threads).toBe(Math.min(threaded.cores, 8));
      } finally {
        await server.close();
      }
    }, BROWSER_TIMEOUT);
  });

  it("fails at once, naming worker.format 'es', when the app bundles workers as iife", async () => {
    const outDir = join(consumers.dir, 'dist-iife');
    await buildApp(outDir, app(), { workerFormat: 'iife' });
    const server = await startPreviewServer(outDir, [tiny], app());
    try {
      const started = performance.now();
      const run = await rankInApp(server);
      expect(run.error).toMatchObject({ status: 503, code: 'model_load_failed', message: expect.stringContaining("worker: { format: 'es' }") });
      // Long before any stall timeout: the stranded thread says so as soon as it starts.
      expect(performance.now() - started).toBeLessThan(45_000);
    } finally {
      await server.close();
    }
  }, BROWSER_TIMEOUT);
});
