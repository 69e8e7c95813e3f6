/** `webrerank keys add`: a new key printed once, only its hash and limits kept in the keys file. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/server/auth.js';
import { parseKeysFile } from '../../src/server/keys-file.js';
import { runCli } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'webrerank-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('webrerank keys add', () => {
  it('prints a new key once and records only its SHA-256 with the limits given', async () => {
    const file = join(dir, 'keys.jsonl');
    const added = await runCli(['keys', 'add', 'search-team', '--keys', file, '--rate', '5', '--burst', '10', '--quota-documents', '1000', '--model', 'BAAI/bge-reranker-v2-m3']);
    expect(added.code).toBe(0);
    const key = added.stdout.trim();
    expect(key).toMatch(/^wr-[\w-]{43}$/);
    expect(added.stderr).toMatch(/added "search-team" to .*keys\.jsonl; the key is shown once/);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(key);
    expect(await parseKeysFile(text)).toEqual([
      { name: 'search-team', sha256: await sha256Hex(key), rateLimit: { requestsPerSecond: 5, burst: 10 }, quota: { documents: 1000 }, models: ['BAAI/bge-reranker-v2-m3'] },
    ]);

    const second = await runCli(['keys', 'add', 'batch', '--keys', file]);
    expect(second.code).toBe(0);
    expect((await parseKeysFile(await readFile(file, 'utf8'))).map((entry) => entry.name)).toEqual(['search-team', 'batch']);
    expect(second.stdout.trim()).not.toBe(key);
  });

  it('refuses a name already in the file, and a missing file flag, with exit code 2', async () => {
    const file = join(dir, 'twice.jsonl');
    expect((await runCli(['keys', 'add', 'team', '--keys', file])).code).toBe(0);
    const again = await runCli(['keys', 'add', 'team', '--keys', file]);
    expect(again).toMatchObject({ code: 2, stdout: '' });
    expect(again.stderr).toMatch(/the name "team" is already used/);
    const unnamed = await runCli(['keys', 'add', 'team']);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toMatch(/name the keys file with --keys FILE/);
  });
});
