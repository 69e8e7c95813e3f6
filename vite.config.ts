import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { CROSS_ORIGIN_ISOLATION } from './tools/cross-origin-isolation.js';

/** The test folders the node project runs: one per src/ folder, and the code that is not the library. */
const NODE_TEST_FOLDERS = ['core', 'engine', 'remote', 'browser', 'node', 'server', 'cli', 'adapters', 'tools', 'demo', 'repo'];

export default defineConfig({
  // `vite` serves the demo page (demo/index.html + demo/src/); demo/public/models/ holds the stand-in
  // model it offers. The test and bench harnesses serve the repository root with this same config.
  root: resolve(import.meta.dirname, 'demo'),
  server: { headers: CROSS_ORIGIN_ISOLATION },
  preview: { headers: CROSS_ORIGIN_ISOLATION },
  // The worker imports transformers.js lazily, which needs code splitting: ES module workers.
  worker: { format: 'es' },
  // Found only when the worker first loads a model; listed so `vite` doesn't stop to re-bundle
  // and reload the page mid-load.
  optimizeDeps: { include: ['comlink', 'zod', '@huggingface/transformers'] },
  build: {
    // `dist/` is the library (tsc); the built demo goes beside it.
    outDir: resolve(import.meta.dirname, 'dist-demo'),
    // Outside the demo's root, so Vite would otherwise keep the previous build's files beside the new.
    emptyOutDir: true,
    target: 'es2022',
    // transformers.js with onnxruntime-web is one large chunk, loaded only by the worker.
    chunkSizeWarningLimit: 4096,
  },
  test: {
    // The tests live at the repository root, not in the demo's folder.
    root: import.meta.dirname,
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file gets its own process: transformers.js fixes its ONNX runtime per process.
    pool: 'forks',
    // The memory test collects garbage before it measures.
    execArgv: ['--expose-gc'],
    projects: [
      // Everything that runs in Node, in folders that mirror src/ (test/core, test/engine, …,
      // test/browser for src/browser's code run in Node) plus the tooling, the demo's helpers and
      // the whole-repository checks (test/repo).
      { extends: true, test: { name: 'node', include: [`test/{${NODE_TEST_FOLDERS.join(',')}}/**/*.test.ts`] } },
      // Real Chromium — the library in pages and workers (test/chromium), the package as apps build
      // it (test/package) — after the Node tests and one file at a time: two browsers (and a
      // software GPU) on a small machine slow each other down and blur the timings the tests check.
      { extends: true, test: { name: 'browser', include: ['test/chromium/**/*.test.ts', 'test/package/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } } },
      // Latency under load (test/timing): last and alone, so that the other test files' processes
      // are not what the latencies measure.
      { extends: true, test: { name: 'timing', include: ['test/timing/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 3 } } },
      // The full-size q8 model (569 MB) in Chromium: minutes, so only when asked (CI asks); one
      // file at a time, since each browser holds a gigabyte or more and its memory is measured.
      ...(process.env.WEBRERANK_FULL_SIZE === '1' ? [{ extends: true as const, test: { name: 'fullsize', include: ['test/fullsize/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 2 } } }] : []),
    ],
  },
});
