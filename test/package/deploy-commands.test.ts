/**
 * docs/deploy.md's shell blocks run as written, in order, in an empty folder holding the model,
 * with `webrerank` the built command — in a network namespace of their own, so the fixed ports
 * (Redis 6379, replicas 8081–8083) collide with nothing else on the machine.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../kit/servers.js';
import { blockPlace, driverScript, runDriverOffline, runnableBlocks, type ShellBlock } from './support/readme-blocks.js';

const SERVE_WAIT_SECONDS = 120;

let work: string;
let folder: string;
let blocks: ShellBlock[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'webrerank-deploy-'));
  folder = join(work, 'site');
  await mkdir(join(folder, 'models'), { recursive: true });
  await symlink(inject('tinyModelDir'), join(folder, 'models', 'reranker'));
  const bin = join(work, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'webrerank'), `#!/bin/sh\nexec "${process.execPath}" "${join(REPO_ROOT, 'dist/src/cli.js')}" "$@"\n`);
  await chmod(join(bin, 'webrerank'), 0o755);
  blocks = runnableBlocks(await readFile(join(REPO_ROOT, 'docs/deploy.md'), 'utf8'), 'docs/deploy.md');
  await mkdir(join(work, 'blocks'));
  await Promise.all(blocks.map((block, index) => writeFile(join(work, 'blocks', `${index}.sh`), block.code)));
  await writeFile(join(work, 'driver.sh'), driverScript(blocks, SERVE_WAIT_SECONDS));
});

afterAll(async () => {
  // Redis runs as a daemon: if a block failed before the page stops it, stop it here.
  const pid = await readFile(join(folder, 'redis.pid'), 'utf8').catch(() => undefined);
  if (pid !== undefined) {
    try {
      process.kill(Number(pid), 'SIGTERM');
    } catch {
      // Already gone: the page's last block stopped it.
    }
  }
  await rm(work, { recursive: true, force: true });
});

describe('docs/deploy.md', () => {
  it('runs its multi-replica recipe block by block, each exiting 0, with the key counted across replicas', async () => {
    expect(blocks.filter((block) => block.serves).map((block) => block.serves?.port)).toEqual([8081, 8082, 8083]);
    const result = await runDriverOffline('SITE', { ...process.env, PATH: `${join(work, 'bin')}:${process.env.PATH}`, SITE: folder, WORK: work, BLOCKS: join(work, 'blocks') }, 300_000);
    const markers = result.stdout.split('\n').filter((line) => line.startsWith('@@ block'));
    expect(markers, `${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`).toEqual(blocks.map((block) => `@@ block ${blockPlace(block)} ok`));
    expect(result.code).toBe(0);
    // The usage block's answer: three reranks of two documents, made on three replicas, counted once each.
    const usage = JSON.parse(result.stdout.split('\n').find((line) => line.startsWith('{"key":"search-team"')) as string) as { total: { requests: number; documents: number } };
    expect(usage.total).toMatchObject({ requests: 3, documents: 6 });
    expect(await readFile(join(folder, 'keys.jsonl'), 'utf8')).not.toContain((await readFile(join(folder, 'search-team.key'), 'utf8')).trim());
  }, 320_000);
});
