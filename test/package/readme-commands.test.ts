/**
 * Every block marked runnable in README.md and docs/*.md runs as written, in order (the README,
 * then the pages in alphabetical order), from a fresh clone of this repository — `npm ci && npm
 * start` first — with no network (a network namespace of its own, so
 * nothing can be downloaded and the fixed ports can't collide with anything else on the machine).
 * npm takes every package from its cache, which `npm ci` of this repository filled.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../kit/servers.js';
import { blockPlace, driverScript, runDriverOffline, runnableBlocks, type ShellBlock } from './support/readme-blocks.js';

const run = promisify(execFile);
/** Longest wait for a `serves=` block (the first one includes `npm ci`). */
const SERVE_WAIT_SECONDS = 300;

let work: string;
let clone: string;
let blocks: ShellBlock[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'webrerank-readme-'));
  clone = join(work, 'webrerank');
  await run('git', ['clone', '--quiet', REPO_ROOT, clone]);
  // docs/deploy.md runs in its own test (deploy-commands.test.ts): a Redis and replicas of its own.
  const pages = (await readdir(join(clone, 'docs'))).filter((name) => name.endsWith('.md') && name !== 'deploy.md').sort().map((name) => `docs/${name}`);
  blocks = [];
  for (const file of ['README.md', ...pages]) blocks.push(...runnableBlocks(await readFile(join(clone, file), 'utf8'), file));
  const blockDir = join(work, 'blocks');
  await mkdir(blockDir);
  await Promise.all(blocks.map((block, index) => writeFile(join(blockDir, `${index}.sh`), block.code)));
  await writeFile(join(work, 'driver.sh'), driverScript(blocks, SERVE_WAIT_SECONDS));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the README and docs/, from a fresh clone', () => {
  it('marks the set-up, the CLI and the server examples as runnable', () => {
    const codes = blocks.map((block) => block.code);
    expect(blocks[0]?.file).toBe('README.md');
    expect(codes[0]).toMatch(/^# set up[^\n]*\nnpm ci && npm start\n$/);
    expect(blocks[0]?.serves).toEqual({ port: 5173 });
    expect(codes.some((code) => code.includes('npx webrerank rank --model-path ./models/standin-tiny --jsonl'))).toBe(true);
    expect(codes.some((code) => code.includes('npx webrerank serve'))).toBe(true);
  });

  it('runs every runnable block in order, offline, each exiting 0', async () => {
    const result = await runDriverOffline('CLONE', { ...process.env, CLONE: clone, WORK: work, BLOCKS: join(work, 'blocks'), npm_config_offline: 'true', npm_config_fund: 'false', npm_config_audit: 'false' }, 900_000);
    const markers = result.stdout.split('\n').filter((line) => line.startsWith('@@ block'));
    expect(markers, `${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`).toEqual(blocks.map((block) => `@@ block ${blockPlace(block)} ok`));
    expect(result.code).toBe(0);
    // The examples answered for real: the stand-in ranked, and the batch wrote one line per request.
    const responses = (await readFile(join(clone, 'responses.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(responses).toHaveLength(1);
    expect((JSON.parse(responses[0] as string) as { results: unknown[] }).results).toHaveLength(2);
  }, 960_000);
});
