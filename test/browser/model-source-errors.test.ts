/**
 * A browser app pointed at the wrong model source gets a message in its own words — the URL, what
 * the server answered, what to give instead — before anything large downloads: the browser's file
 * fetching (src/browser/cache) run in Node against a real local HTTP server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRerankError, type RerankError } from '../../src/core/errors.js';
import type { Dtype } from '../../src/core/contract.js';
import type { ModelSource } from '../../src/core/models.js';
import { browserFilePreparer } from '../../src/browser/cache/model-files.js';

/** Each site's files: a model folder with fp32 only, one without its tokenizer, a private one. */
const SITES: Record<string, readonly string[]> = {
  '/fp32-only/': ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'],
  '/no-tokenizer/': ['config.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'],
};

let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    requests.push(`${request.method} ${path}`);
    if (path.startsWith('/private/')) return void response.writeHead(401).end();
    // A single-page app's dev server: its index.html for every path it doesn't have.
    if (path.startsWith('/spa/')) return void response.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><p>app</p>');
    if (path.startsWith('/no-head/') && request.method === 'HEAD') return void response.writeHead(405).end();
    const site = Object.keys(SITES).find((prefix) => path.startsWith(prefix));
    if (site && (SITES[site] as readonly string[]).includes(path.slice(site.length))) return void response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': '2' }).end('{}');
    response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** What loading `source` in `dtype` throws (the files are only fetched and checked, not run). */
async function loadError(source: ModelSource, dtype: Dtype = 'q8'): Promise<RerankError> {
  const prepare = browserFilePreparer({ store: async () => null, hub: async () => ({ remoteHost: `${base}/hub/`, remotePathTemplate: '{model}/resolve/{revision}/' }), pageUrl: `${base}/app/` });
  try {
    await prepare({ id: 'my-model', source }, { device: 'wasm', dtype }, undefined);
  } catch (error) {
    expect(isRerankError(error)).toBe(true);
    return error as RerankError;
  }
  throw new Error('the model loaded');
}

describe('a wrong model source in the browser', () => {
  it('says no model folder is at a base URL whose config.json answers 404, naming the URL and the status', async () => {
    const error = await loadError({ url: `${base}/nothing-here/` });
    expect(error).toMatchObject({ status: 503, code: 'model_load_failed' });
    expect(error.message).toBe(`No model folder at ${base}/nothing-here: ${base}/nothing-here/config.json answered 404 (Not Found), so config.json is missing. Is this a model folder? It must hold config.json, tokenizer_config.json, tokenizer.json and onnx/.`);
  });

  it('refuses an .onnx file given as the folder before fetching anything, naming the folder to give', async () => {
    const before = requests.length;
    const error = await loadError({ url: `${base}/fp32-only/onnx/model.onnx` });
    expect(error.message).toBe(`${base}/fp32-only/onnx/model.onnx is a file, not a model folder: give the model's folder, ${base}/fp32-only.`);
    expect(requests.slice(before)).toEqual([]);
  });

  it("names the onnx/ folder given instead of the model's folder, and its parent", async () => {
    const error = await loadError({ path: '/fp32-only/onnx/' });
    expect(error.message).toBe(`${base}/fp32-only/onnx is the model's onnx/ folder: give its parent, ${base}/fp32-only.`);
  });

  it('lists the required files that are missing', async () => {
    const error = await loadError({ path: '/no-tokenizer' });
    expect(error.message).toBe(`${base}/no-tokenizer lacks tokenizer.json, which every model folder needs.`);
  });

  it("says which dtypes the folder has when the asked dtype's ONNX file is missing", async () => {
    const error = await loadError({ path: '/fp32-only/' }, 'q8');
    expect(error.message).toBe(`No onnx/model_quantized.onnx in ${base}/fp32-only; this folder has fp32 only: choose dtype 'fp32'.`);
  });

  it('names the URL and the 401 of a server that wants credentials, and what to do', async () => {
    const error = await loadError({ url: `${base}/private/model/` });
    expect(error.message).toMatch(new RegExp(`^${base}/private/model/[a-z_/]+\\.(json|onnx) answered 401 \\(Unauthorized\\): the model's files need credentials this page does not send`));
    expect(error.message).toMatch(/point the model's source there\.$/);
  });

  it("says a dev server's HTML page is not config.json", async () => {
    const error = await loadError({ path: '/spa/models/bge' });
    expect(error.message).toBe(`No model folder at ${base}/spa/models/bge: ${base}/spa/models/bge/config.json answered with an HTML page (a dev server answers unknown paths with its index.html), so config.json is missing. Is this a model folder? It must hold config.json, tokenizer_config.json, tokenizer.json and onnx/.`);
  });

  it('names the same mistake where the server does not answer HEAD requests', async () => {
    const error = await loadError({ path: '/no-head/model' });
    expect(error.message).toMatch(new RegExp(`^No model folder at ${base}/no-head/model: ${base}/no-head/model/config.json answered 404 \\(Not Found\\)`));
  });

  it("keeps the browser's own network text out of the message of an unreachable server", async () => {
    const error = await loadError({ url: 'http://127.0.0.1:9/model/' });
    expect(error.message).toMatch(/^Could not download [a-z_/.]+ from http:\/\/127\.0\.0\.1:9\/model\/[a-z_/.]+: the server could not be reached, or it does not let this page read the file \(CORS\)\.$/);
    expect(error.cause).toBeDefined();
  });
});
