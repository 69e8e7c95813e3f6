/**
 * `import … from 'webrerank'` gives the browser entry (src/index.ts) or, under Node, src/node.ts:
 * code moving between them must find the same names.
 */
import { describe, expect, it } from 'vitest';
import * as browser from '../../src/index.js';
import * as node from '../../src/node.js';

/**
 * Node-only: the in-process engine class and the engine in a worker thread (the browser runs both
 * behind createReranker), and the probe of onnxruntime-node's WebGPU provider (the browser probes
 * navigator.gpu in its worker).
 */
const NODE_ONLY = new Set(['RerankEngine', 'ThreadReranker', 'nodeModelRegistry', 'probeNodeWebGpu']);

describe('the entry points', () => {
  it('export the same names, besides what only Node has', () => {
    const missing = Object.keys(node).filter((name) => !NODE_ONLY.has(name) && !(name in browser));
    expect(missing).toEqual([]);
  });

  it('make createReranker the browser default export, as ky does', () => {
    expect(browser.default).toBe(browser.createReranker);
  });
});
