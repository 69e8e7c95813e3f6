/**
 * `webrerank` behaves like a command-line tool: a mistake in the command line is one line naming
 * the flag and what it accepts, with exit code 2 — before any model loads; `--version`; `models`;
 * `serve` on a busy port; `rank --jsonl` for batch jobs, with a progress bar only in a terminal.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RerankResponse } from '../../src/core/contract.js';
import { BUILTIN_MODELS } from '../../src/core/models.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { CLI, runCli } from '../support/cli.js';

const modelPath = inject('tinyModelDir');
const run = promisify(execFile);

describe('usage errors', () => {
  it.each([
    [['rank', '--bogus', '1'], /^webrerank rank: unknown option --bogus; options: --model-path, --model, --backend, --dtype, .*--jsonl, --help$/],
    [['serve', '--bogus'], /^webrerank serve: unknown option --bogus; options: --model-path, .*--max-pending, --busy-retry-after, --auth-failure-rate, --auth-failure-burst, --trusted-proxy, --in-process, --help$/],
    [['rank', '--dtype', 'int4', '--query', 'q', '--document', 'd'], /^webrerank rank: --dtype must be q8, fp32 or fp16, got "int4"$/],
    [['rank', '--dtype', 'fp16', '--query', 'q', '--document', 'd'], /^webrerank rank: --dtype fp16 does not run on --backend cpu, which takes q8 or fp32$/],
    [['rank', '--backend', 'webgpu', '--dtype', 'q8', '--query', 'q', '--document', 'd'], /^webrerank rank: --dtype q8 does not run on --backend webgpu, which takes fp16 or fp32$/],
    [['rank', '--backend', 'gpu', '--query', 'q', '--document', 'd'], /^webrerank rank: --backend must be cpu, wasm or webgpu, got "gpu"$/],
    [['serve', '--port', 'http'], /^webrerank serve: --port must be an integer of at least 0, got "http"$/],
    [['serve', '--rate-limit', 'fast'], /^webrerank serve: --rate-limit must be a positive number, got "fast"$/],
    [['serve', '--auth-failure-rate', 'fast'], /^webrerank serve: --auth-failure-rate must be a number of at least 0 \(0 turns the limit off\), got "fast"$/],
    [['serve', '--auth-failure-rate', '0', '--auth-failure-burst', '5'], /^webrerank serve: --auth-failure-burst means nothing with --auth-failure-rate 0 \(no limit\)$/],
    [['serve', '--max-document-characters', '0'], /^webrerank serve: --max-document-characters must be a positive integer, got "0"$/],
    [['serve', '--max-total-characters', 'lots'], /^webrerank serve: --max-total-characters must be a positive integer, got "lots"$/],
    [['serve', '--upstream', 'http://127.0.0.1:9', '--upstream-protocol', 'grpc'], /^webrerank serve: --upstream-protocol must be rerank or tei, got "grpc"$/],
    [['serve', '--upstream', 'http://127.0.0.1:9', '--in-process'], /^webrerank serve: --in-process runs a local model; it means nothing with --upstream$/],
    [['rank', '--threads', '0', '--query', 'q', '--document', 'd'], /^webrerank rank: --threads must be a positive integer, got "0"$/],
    [['rank', '--top-n', 'abc', '--query', 'q', '--document', 'd'], /^webrerank rank: --top-n must be a positive integer, got "abc"$/],
    [['rank', '--query'], /^webrerank rank: Option '--query <value>' argument missing$/],
    [['rank', 'extra'], /^webrerank rank: unexpected argument extra; options: /],
    [['rerank'], /^webrerank: unknown command "rerank"; commands: rank, serve, pull, keys, models/],
  ])('%j exits 2 with one line on stderr naming the flag and what it accepts', async (args, line) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.trimEnd()).toMatch(line);
  });

  it('checks the flags before loading anything: a bad flag with a missing model is still a usage error', async () => {
    const { code, stderr } = await runCli(['rank', '--model-path', '/nonexistent', '--dtype', 'int4'], JSON.stringify(HOSTED_EXAMPLE));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--dtype must be q8, fp32 or fp16, got "int4"/);
  });
});

describe('webrerank --version and models', () => {
  it('prints the package version', async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });

  it('lists the registry: a table by default, the entries as JSON with --json', async () => {
    const table = await runCli(['models']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^MODEL\s+FILES\s+ABOUT\nBAAI\/bge-reranker-v2-m3\s+hub:onnx-community\/bge-reranker-v2-m3-ONNX\s+BGE Reranker/);
    const json = await runCli(['models', '--json']);
    expect((JSON.parse(json.stdout) as { registry: unknown }).registry).toEqual(JSON.parse(JSON.stringify(BUILTIN_MODELS)));
  });
});

describe('webrerank serve on a port in use', () => {
  let holder: Server;
  let port: number;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((listening) => holder.listen(0, '127.0.0.1', listening));
    port = (holder.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((closed) => holder.close(() => closed())));

  it('exits 1 at once saying the port is in use, without loading the model', async () => {
    const started = performance.now();
    const { code, stdout, stderr } = await runCli(['serve', '--model-path', modelPath, '--port', String(port)]);
    expect(code).toBe(1);
    expect(stderr.trimEnd()).toBe(`webrerank serve: port ${port} is in use on 127.0.0.1; stop what holds it or pick another with --port.`);
    expect(stdout).not.toMatch(/model loaded|listening/);
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});

describe('webrerank rank --jsonl', () => {
  let file: string;
  beforeAll(async () => {
    file = join(tmpdir(), `webrerank-batch-${process.pid}.jsonl`);
    const lines = [JSON.stringify(HOSTED_EXAMPLE), '', JSON.stringify({ ...HOSTED_EXAMPLE, documents: [] }), JSON.stringify({ ...HOSTED_EXAMPLE, top_n: 1 })];
    await writeFile(file, `${lines.join('\n')}\n`);
  });

  it('answers each request on its own line, in order, errors in place, and exits 1 if any failed', async () => {
    const { code, stdout, stderr } = await runCli(['rank', '--model-path', modelPath, '--jsonl', file]);
    expect(code).toBe(1);
    // The stand-in says what it is, once for the whole batch.
    expect(stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^webrerank: warning: .*stand-in/)]);
    const answers = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as RerankResponse & { error?: { code: string }; line?: number });
    expect(answers).toHaveLength(3);
    expect(answers[0]?.results).toHaveLength(HOSTED_EXAMPLE.documents.length);
    expect(answers[1]).toMatchObject({ error: { status: 400, code: 'empty_documents' }, line: 3 });
    expect(answers[2]?.results).toHaveLength(1);
  });

  it('draws a progress bar on stderr when it is a terminal', async () => {
    // `script` runs the command on a pseudo-terminal, as an interactive shell would.
    const command = `${process.execPath} ${CLI} rank --model-path ${modelPath} --jsonl ${file} > /dev/null`;
    const { stdout: terminal } = await run('script', ['-qec', command, '/dev/null']).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    expect(terminal).toContain('\r[------------------------------] 0/3 requests');
    expect(terminal).toContain('\r[##############################] 3/3 requests');
  });
});
