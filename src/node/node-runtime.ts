/**
 * Choosing the ONNX runtime behind transformers.js in Node.
 *
 * By default transformers.js runs on onnxruntime-node (native, `cpu`). For comparing backends it
 * can run on onnxruntime-web's WASM backend instead — the same code a browser runs. transformers.js
 * picks its runtime once, when it is first imported, from `globalThis[Symbol.for('onnxruntime')]`,
 * so the switch must happen before anything imports it.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ORT_SYMBOL = Symbol.for('onnxruntime');
// The first backend a reranker used in this process; transformers.js can't switch after it.
let chosen: 'cpu' | 'wasm' | undefined;

/** Which runtime transformers.js uses in this process: `cpu` (onnxruntime-node) or `wasm`. */
export function nodeRuntimeDevice(): 'cpu' | 'wasm' {
  return ORT_SYMBOL in globalThis ? 'wasm' : 'cpu';
}

/**
 * Makes transformers.js use onnxruntime-web (WASM) in this process. Call before the first model
 * load; once transformers.js is loaded on onnxruntime-node the choice is fixed.
 */
export async function useOnnxruntimeWebInNode(): Promise<void> {
  if (nodeRuntimeDevice() === 'wasm') return;
  if (chosen === 'cpu') {
    throw new Error('transformers.js already runs on onnxruntime-node in this process; use the wasm backend in a separate process.');
  }
  chosen = 'wasm';
  const ort = await import('onnxruntime-web');
  ort.env.wasm.wasmPaths = onnxruntimeWebFiles();
  (globalThis as Record<symbol, unknown>)[ORT_SYMBOL] = ort;
}

/** Where onnxruntime-web's .wasm files lie in node_modules: Node has no CDN to reach and no bundler. */
export function onnxruntimeWebFiles(): string {
  return `${dirname(fileURLToPath(import.meta.resolve('onnxruntime-web')))}/`;
}

/** Claims onnxruntime-node for this process; fails if onnxruntime-web was installed first. */
export function useOnnxruntimeNode(): void {
  if (nodeRuntimeDevice() === 'wasm') {
    throw new Error('transformers.js already runs on onnxruntime-web in this process; use the cpu backend in a separate process.');
  }
  chosen = 'cpu';
}
