/**
 * The real-model path end to end, against a local server that behaves like the hub: `webrerank
 * pull` fills the Hugging Face cache, `webrerank models` lists it, and with the hub gone and
 * HF_HUB_OFFLINE=1, `rank` and `serve` find the model by its id.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RerankResponse } from '../../src/core/contract.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { startServeProcess } from '../kit/serve-process.js';
import { CLI, runCli } from '../support/cli.js';
import { startFakeHub, type FakeHub } from '../support/fake-hub.js';

const modelPath = inject('tinyModelDir');
const run = promisify(execFile);
const REPO = 'webrerank-test/standin-tiny-ONNX';
let scratch: string;
let hub: FakeHub;
let env: Record<string, string>;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'webrerank-offline-'));
  hub = await startFakeHub({ repo: REPO, folder: modelPath });
  env = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: join(scratch, 'hub') };
});
afterAll(async () => {
  await hub.close();
  await rm(scratch, { recursive: true, force: true });
});

const rankArgs = ['rank', '--model', REPO, '--query', HOSTED_EXAMPLE.query, ...HOSTED_EXAMPLE.documents.flatMap((document) => ['--document', document])];

describe('a model pulled once, then used offline', () => {
  it('pulls with one line per file when stderr is not a terminal', async () => {
    const { code, stdout, stderr } = await runCli(['pull', REPO, '--dtype', 'q8'], undefined, env);
    expect(code).toBe(0);
    expect(stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^config\.json {2}\d.* {2}downloaded$/),
      expect.stringMatching(/^tokenizer_config\.json /),
      expect.stringMatching(/^tokenizer\.json /),
      expect.stringMatching(/^onnx\/model_quantized\.onnx {2}\d.* {2}downloaded$/),
    ]);
    expect(stdout).toBe(`${REPO}: ${REPO}@${hub.commit} (q8) in ${join(env.HF_HUB_CACHE as string, `models--webrerank-test--standin-tiny-ONNX`, 'snapshots', hub.commit)}\n`);
  });

  it('draws a progress bar on stderr instead when it is a terminal', async () => {
    // `script` runs the command on a pseudo-terminal, as an interactive shell would.
    const cache = join(scratch, 'tty-cache');
    const command = `HF_ENDPOINT=${hub.url} HF_HUB_CACHE=${cache} ${process.execPath} ${CLI} pull ${REPO} --dtype q8 > /dev/null`;
    const { stdout: terminal } = await run('script', ['-qec', command, '/dev/null']).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    expect(terminal).toMatch(/\r\[#{30}\] 4 of 4 files, [\d.]+ [kM]B of [\d.]+ [kM]B/);
    expect(terminal).not.toContain('downloaded');
  });

  it('lists the pulled model with its revision, dtypes, size and stand-in mark', async () => {
    const { code, stdout } = await runCli(['models'], undefined, env);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`\\n${REPO}\\s+main \\(${hub.commit.slice(0, 7)}\\)\\s+q8\\s+\\d[\\d.]* [kM]B\\s+stand-in \\(random weights\\)\\n`));
  });

  it('names the dtypes the repository has when the asked one is missing, and a bad --dtype is exit 2', async () => {
    const missing = await runCli(['pull', REPO, '--dtype', 'fp16'], undefined, env);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr).error.message).toBe(`No onnx/model_fp16.onnx in ${REPO} at revision main: this repository has fp32 and q8.`);
    const bad = await runCli(['pull', REPO, '--dtype', 'q4'], undefined, env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('webrerank pull: --dtype must be q8, fp32 or fp16, got "q4"\n');
  });

  describe('with the hub stopped and HF_HUB_OFFLINE=1', () => {
    let offline: Record<string, string>;
    beforeAll(async () => {
      await hub.close();
      offline = { HF_ENDPOINT: hub.url, HF_HUB_CACHE: env.HF_HUB_CACHE as string, HF_HUB_OFFLINE: '1' };
    });

    it('ranks with the model found by its id in the cache', async () => {
      const { code, stdout } = await runCli(rankArgs, undefined, offline);
      expect(code).toBe(0);
      const response = JSON.parse(stdout) as RerankResponse;
      expect(response.model).toBe(REPO);
      expect(response.results).toHaveLength(HOSTED_EXAMPLE.documents.length);
    });

    it('serves the model found by its id in the cache', async () => {
      const server = await startServeProcess(['--model', REPO, '--port', '0', '--host', '127.0.0.1'], offline);
      try {
        let health: { status: string } = { status: 'loading' };
        for (let tries = 0; tries < 600 && health.status === 'loading'; tries++) {
          health = (await (await fetch(`${server.url}/health`)).json()) as { status: string };
          if (health.status === 'loading') await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(health.status).toBe('ready');
        const response = await fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...HOSTED_EXAMPLE, model: REPO }) });
        expect(response.status).toBe(200);
        expect(((await response.json()) as RerankResponse).results).toHaveLength(HOSTED_EXAMPLE.documents.length);
      } finally {
        await server.stop();
      }
    });

    it('says to pull first for a dtype that is not in the cache', async () => {
      const { code, stderr } = await runCli([...rankArgs, '--dtype', 'fp32'], undefined, offline);
      expect(code).toBe(2);
      expect(JSON.parse(stderr).error.message).toContain(`${REPO} (fp32) is not in the hub cache at ${offline.HF_HUB_CACHE}, and HF_HUB_OFFLINE is set: run "webrerank pull ${REPO} --dtype fp32" where the hub is reachable.`);
    });
  });
});
