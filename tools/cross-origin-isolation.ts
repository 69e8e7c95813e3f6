/**
 * Cross-origin isolation: without these two headers there is no SharedArrayBuffer, so
 * onnxruntime-web runs WASM on one thread. The dev server and preview (vite.config.ts) and the
 * servers the tests and the bench start (test/kit/servers.ts) all send them, from this one place.
 */
export const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;
