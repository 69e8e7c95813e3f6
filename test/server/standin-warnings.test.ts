/**
 * A generated stand-in never passes for the real model: every answer, `/health`, `/v1/models` and
 * the CLI say that its scores come from random weights.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RerankResponse } from '../../src/core/contract.js';
import { STANDIN_WARNING } from '../../src/core/standin.js';
import { DEFAULT_MODEL_ID } from '../../src/core/models.js';
import { createReranker } from '../../src/node/create-node-reranker.js';
import { createRemoteReranker } from '../../src/remote/remote-reranker.js';
import { startServer, type RunningServer } from '../../src/server/node/node-server.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { runCli } from '../support/cli.js';
import { startServeProcess } from '../kit/serve-process.js';

const modelPath = inject('tinyModelDir');
/** The id the generated tiny stand-in is served as when its folder is given without one. */
const STANDIN_ID = 'webrerank/standin-tiny';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ engine: { modelPath }, port: 0, log: () => undefined });
  await server.ready;
});
afterAll(() => server.close());

describe('a stand-in model', () => {
  it('says so in each response and in info() of the library', async () => {
    const reranker = await createReranker({ modelPath });
    try {
      const response = await reranker.rerank(HOSTED_EXAMPLE);
      expect(response.meta?.warnings).toEqual([STANDIN_WARNING]);
      expect((await reranker.info()).standin).toBe(true);
    } finally {
      await reranker.dispose();
    }
  });

  it('carries "standin": true on /health and on every /v1/models entry', async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as { standin?: boolean };
    expect(health.standin).toBe(true);
    const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { standin?: boolean }[] };
    expect(models.data.length).toBeGreaterThan(0);
    expect(models.data.every((entry) => entry.standin === true)).toBe(true);
  });

  it('is served under its own id, not the real model\'s, on /v1/models, /health and in each answer', async () => {
    expect(server.model).toBe(STANDIN_ID);
    const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data[0]?.id).toBe(STANDIN_ID);
    const health = (await (await fetch(`${server.url}/health`)).json()) as { models: string[] };
    expect(health.models).toEqual([STANDIN_ID]);
    for (const path of ['/v1/rerank', '/v2/rerank']) {
      const body = { ...HOSTED_EXAMPLE, model: STANDIN_ID };
      const answer = (await (await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).json()) as { model?: string; meta: { warnings?: string[] } };
      expect(answer.meta.warnings).toEqual([STANDIN_WARNING]);
      if (path === '/v1/rerank') expect(answer.model).toBe(STANDIN_ID);
    }
  });

  it('still takes requests naming the real model\'s id, and answers with the stand-in\'s id and the warning', async () => {
    const response = await fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...HOSTED_EXAMPLE, model: DEFAULT_MODEL_ID }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { model: string; meta: { warnings?: string[] } };
    expect(body.model).toBe(STANDIN_ID);
    expect(body.meta.warnings).toEqual([STANDIN_WARNING]);
  });

  it('keeps an id given explicitly with the folder, warning all the same', async () => {
    const named = await startServer({ engine: { modelPath, model: 'team/my-test-model', inWorker: false }, port: 0, log: () => undefined });
    try {
      await named.ready;
      const models = (await (await fetch(`${named.url}/v1/models`)).json()) as { data: { id: string; standin?: boolean }[] };
      expect(models.data).toEqual([{ id: 'team/my-test-model', object: 'model', created: 0, owned_by: 'webrerank', standin: true }]);
    } finally {
      await named.close();
    }
  });

  it('puts the warning in meta.warnings of Cohere v1 and v2 answers', async () => {
    for (const path of ['/v1/rerank', '/v2/rerank']) {
      const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(HOSTED_EXAMPLE) });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { meta: { warnings?: string[] } };
      expect(body.meta.warnings).toEqual([STANDIN_WARNING]);
    }
  });

  it('sends the warning in a Webrerank-Warning header on TEI\'s bare-array answer and on the hosted one', async () => {
    const tei = await fetch(`${server.url}/rerank`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query: HOSTED_EXAMPLE.query, texts: HOSTED_EXAMPLE.documents }) });
    expect(tei.status).toBe(200);
    expect(Array.isArray(await tei.json())).toBe(true);
    expect(tei.headers.get('webrerank-warning')).toBe(STANDIN_WARNING);
    const hosted = await fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(HOSTED_EXAMPLE) });
    expect(hosted.headers.get('webrerank-warning')).toBe(STANDIN_WARNING);
  });

  it('sends the warning header on streamed answers too', async () => {
    const streamed = await fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' }, body: JSON.stringify(HOSTED_EXAMPLE) });
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(streamed.headers.get('webrerank-warning')).toBe(STANDIN_WARNING);
    await streamed.text();
  });

  it('passes the server\'s warning on through the remote client', async () => {
    const remote = createRemoteReranker({ baseUrl: server.url });
    try {
      const response = await remote.rerank(HOSTED_EXAMPLE);
      expect(response.meta?.backend).toBe('remote');
      expect(response.meta?.warnings).toEqual([STANDIN_WARNING]);
    } finally {
      await remote.dispose();
    }
  });

  it('makes `webrerank rank` answer under the stand-in\'s id and print one warning line on stderr', async () => {
    const { code, stdout, stderr } = await runCli(['rank', '--model-path', modelPath], JSON.stringify(HOSTED_EXAMPLE));
    expect(code).toBe(0);
    const response = JSON.parse(stdout) as RerankResponse;
    expect(response.meta?.warnings).toEqual([STANDIN_WARNING]);
    // The body names the real model; the stand-in answers under its own id.
    expect(response.model).toBe(STANDIN_ID);
    const lines = stderr.split('\n').filter((line) => line.includes('stand-in'));
    expect(lines).toEqual([`webrerank: warning: ${STANDIN_WARNING}`]);
  });

  it('makes `webrerank rank --jsonl` answer each line under the stand-in\'s id', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'webrerank-jsonl-'));
    try {
      const file = join(folder, 'requests.jsonl');
      await writeFile(file, `${JSON.stringify(HOSTED_EXAMPLE)}\n${JSON.stringify({ ...HOSTED_EXAMPLE, model: STANDIN_ID })}\n`);
      const { code, stdout } = await runCli(['rank', '--model-path', modelPath, '--jsonl', file]);
      expect(code).toBe(0);
      const answers = stdout.trim().split('\n').map((line) => JSON.parse(line) as RerankResponse);
      expect(answers.map((answer) => answer.model)).toEqual([STANDIN_ID, STANDIN_ID]);
      expect(answers.every((answer) => answer.meta?.warnings?.includes(STANDIN_WARNING))).toBe(true);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('makes `webrerank serve` print one warning line on stderr once the model has loaded', async () => {
    const served = await startServeProcess(['--model-path', modelPath, '--port', '0', '--host', '127.0.0.1']);
    try {
      for (let tries = 0; tries < 600 && !served.stderr.some((line) => line.includes('stand-in')); tries++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(served.stderr.filter((line) => line.includes('stand-in'))).toEqual([`webrerank: warning: ${STANDIN_WARNING}`]);
    } finally {
      await served.stop();
    }
  });
});
