/**
 * `pullModel` against a local server that behaves like the Hugging Face hub: the files of the asked
 * dtypes land in the hub cache's layout, an interrupted download resumes, a corrupted one is
 * refused, and the hub's refusals are named with the URL and what to do.
 */
import { lstat, mkdtemp, readFile, readlink, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { RerankError } from '../../src/core/errors.js';
import { findCachedModel, listCachedModels, repoFolder } from '../../src/node/hub-cache.js';
import { pullModel } from '../../src/node/hub-pull.js';
import { startFakeHub, type FakeHub } from '../support/fake-hub.js';

const modelPath = inject('tinyModelDir');
const REPO = 'webrerank-test/standin-tiny-ONNX';
let scratch: string;
let hub: FakeHub;
let cache: string;
let env: Record<string, string>;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'webrerank-hub-'));
  hub = await startFakeHub({ repo: REPO, folder: modelPath });
});
afterAll(async () => {
  await hub.close();
  await rm(scratch, { recursive: true, force: true });
});
let run = 0;
afterEach(() => {
  hub.requests.length = 0;
});

function freshCache(): void {
  cache = join(scratch, `cache-${run++}`);
  env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache };
}

async function refusal(promise: Promise<unknown>): Promise<RerankError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(RerankError);
  return error as RerankError;
}

describe('webrerank pull into the hub cache', () => {
  it('writes blobs, a snapshot named after the commit and refs/main, with only the asked dtype', async () => {
    freshCache();
    const pulled = await pullModel({ repo: REPO, dtypes: ['q8'], env });
    const root = repoFolder(cache, REPO);
    expect(pulled.folder).toBe(join(root, 'snapshots', hub.commit));
    expect((await readFile(join(root, 'refs', 'main'), 'utf8')).trim()).toBe(hub.commit);
    const files = (await readdir(pulled.folder, { recursive: true })).sort();
    expect(files).toEqual(['config.json', 'onnx', 'onnx/model_quantized.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    const link = join(pulled.folder, 'onnx', 'model_quantized.onnx');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toMatch(/^\.\.\/\.\.\/\.\.\/blobs\/[0-9a-f]{64}$/);
    expect(await readFile(link)).toEqual(await readFile(join(modelPath, 'onnx', 'model_quantized.onnx')));
    // The large file came from the second server, through the hub's redirect.
    expect(hub.requests.some((request) => request.path.startsWith('/blobs/'))).toBe(true);
    expect(await findCachedModel(cache, REPO, 'main', 'q8')).toBe(pulled.folder);
    expect(await findCachedModel(cache, REPO, 'main', 'fp32')).toBeUndefined();
  });

  it('fetches nothing again for a model already in the cache', async () => {
    freshCache();
    await pullModel({ repo: REPO, dtypes: ['q8'], env });
    hub.requests.length = 0;
    const again = await pullModel({ repo: REPO, dtypes: ['q8'], env });
    expect(again.files.every((file) => !file.fetched)).toBe(true);
    expect(hub.requests.some((request) => request.path.startsWith('/blobs/'))).toBe(false);
  });

  it('resumes an interrupted download with a Range request and never links a partial file', async () => {
    freshCache();
    hub.cutNext('onnx/model.onnx', 4096);
    const error = await refusal(pullModel({ repo: REPO, dtypes: ['fp32'], env }));
    expect(error.code).toBe('network_error');
    expect(error.message).toMatch(/Downloading onnx\/model\.onnx from http:\/\/127\.0\.0\.1:\d+\/.* stopped after \d+ of \d+ bytes/);
    const blobs = await readdir(join(repoFolder(cache, REPO), 'blobs'));
    expect(blobs.filter((name) => name.endsWith('.incomplete'))).toHaveLength(1);
    expect(await findCachedModel(cache, REPO, 'main', 'fp32')).toBeUndefined();

    hub.requests.length = 0;
    const pulled = await pullModel({ repo: REPO, dtypes: ['fp32'], env });
    expect(hub.requests.some((request) => request.path.startsWith('/blobs/') && /^bytes=[1-9]\d*-/.test(request.range ?? ''))).toBe(true);
    expect(await readFile(join(pulled.folder, 'onnx', 'model.onnx'))).toEqual(await readFile(join(modelPath, 'onnx', 'model.onnx')));
    expect((await readdir(join(repoFolder(cache, REPO), 'blobs'))).some((name) => name.endsWith('.incomplete'))).toBe(false);
  });

  it('refuses a download whose bytes do not match the hub\'s sha256, keeping nothing of it', async () => {
    freshCache();
    const corruptHub = await startFakeHub({ repo: REPO, folder: modelPath });
    corruptHub.corrupt('onnx/model_quantized.onnx');
    try {
      const error = await refusal(pullModel({ repo: REPO, dtypes: ['q8'], env: { ...env, HF_ENDPOINT: corruptHub.url } }));
      expect(error.message).toMatch(/^onnx\/model_quantized\.onnx from .* does not match the hub's listing: the downloaded bytes hash to [0-9a-f]{64}, the hub says [0-9a-f]{64}; the download was discarded\.$/);
      const blobs = await readdir(join(repoFolder(cache, REPO), 'blobs'));
      expect(blobs.every((name) => !name.endsWith('.incomplete'))).toBe(true);
      expect(await findCachedModel(cache, REPO, 'main', 'q8')).toBeUndefined();
    } finally {
      await corruptHub.close();
    }
  });

  it('names the missing dtype file and the dtypes the repository has', async () => {
    freshCache();
    const error = await refusal(pullModel({ repo: REPO, dtypes: ['fp16'], env }));
    expect(error.code).toBe('model_unavailable');
    expect(error.message).toBe(`No onnx/model_fp16.onnx in ${REPO} at revision main: this repository has fp32 and q8.`);
  });

  it('names the URL and the model id to check for a repository the hub does not have (404)', async () => {
    freshCache();
    const error = await refusal(pullModel({ repo: 'nobody/nothing', dtypes: ['q8'], env }));
    expect(error.message).toBe(`The hub has no file listing at ${hub.url}/api/models/nobody/nothing/paths-info/main (404): check the model id and --revision.`);
  });

  it('names the URL and HF_TOKEN for a private repository (401), and pulls with the token', async () => {
    freshCache();
    const privateHub = await startFakeHub({ repo: REPO, folder: modelPath, token: 'hf_test_secret' });
    try {
      const error = await refusal(pullModel({ repo: REPO, dtypes: ['q8'], env: { ...env, HF_ENDPOINT: privateHub.url } }));
      expect(error.message).toBe(`The hub refused ${privateHub.url}/api/models/${REPO}/paths-info/main (401): the repository is gated or private. Set HF_TOKEN to a token that may read it.`);
      const pulled = await pullModel({ repo: REPO, dtypes: ['q8'], env: { ...env, HF_ENDPOINT: privateHub.url, HF_TOKEN: 'hf_test_secret' } });
      expect((await stat(join(pulled.folder, 'onnx', 'model_quantized.onnx'))).isFile()).toBe(true);
    } finally {
      await privateHub.close();
    }
  });

  it('says where it could not connect when the hub is unreachable', async () => {
    freshCache();
    const error = await refusal(pullModel({ repo: REPO, dtypes: ['q8'], env: { ...env, HF_ENDPOINT: 'http://127.0.0.1:9' } }));
    expect(error.code).toBe('network_error');
    expect(error.message).toMatch(/^Cannot reach http:\/\/127\.0\.0\.1:9\/api\/models\/.*paths-info\/main: .*HF_HUB_OFFLINE=1/);
  });
});

describe('a cache written by huggingface_hub', () => {
  it('is read: the snapshot of refs/main is found and listed with its dtypes and stand-in mark', async () => {
    freshCache();
    await pullModel({ repo: REPO, dtypes: ['q8', 'fp32'], env });
    const [listed] = await listCachedModels(cache);
    expect(listed).toMatchObject({ repo: REPO, commit: hub.commit, revisions: ['main'], dtypes: ['fp32', 'q8'], standin: true });
    expect(listed?.bytes).toBeGreaterThan(1_000_000);
  });
});
