/**
 * The package as a user gets it: `npm pack` (whose `prepare` builds dist/) makes the tarball, and
 * npm installs it into a fresh folder holding one small project per kind of consumer — Node ESM,
 * Node CommonJS and TypeScript in folders of their own, a Vite app at the top. One install serves
 * them all: Node and TypeScript look for `node_modules` in parent folders.
 *
 * The install is offline and pinned. A lockfile for the tarball's dependencies is written from this
 * repository's own lockfile — the versions every other test ran against — so `npm ci --offline`
 * takes everything from npm's cache, which `npm ci` of this repository filled.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../kit/servers.js';

const run = promisify(execFile);

export interface Consumers {
  /** The folder holding node_modules and the projects (esm/, cjs/, ts/, app/). */
  dir: string;
  /** The packed tarball. */
  tarball: string;
  /** The paths the tarball holds, as `npm pack` listed them. */
  files: string[];
  version: string;
  remove(): Promise<void>;
}

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  [field: string]: unknown;
}

/** Packs this repository and installs the tarball into a fresh folder. */
export async function packAndInstall(): Promise<Consumers> {
  const dir = await mkdtemp(join(tmpdir(), 'webrerank-consumers-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error(`npm pack printed no package: ${stdout}`);
  const tarball = join(dir, packed.filename);
  const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; license: string; dependencies: Record<string, string>; engines: unknown; bin: unknown };

  const dependency = `file:${packed.filename}`;
  const packages: Record<string, unknown> = {
    '': { name: 'webrerank-consumers', dependencies: { webrerank: dependency } },
    'node_modules/webrerank': {
      version: manifest.version,
      resolved: dependency,
      integrity: `sha512-${createHash('sha512').update(await readFile(tarball)).digest('base64')}`,
      license: manifest.license,
      dependencies: manifest.dependencies,
      engines: manifest.engines,
      bin: manifest.bin,
    },
  };
  // The tarball's dependencies sit where they sit in this repository: hoisted under node_modules/.
  const repoLock = JSON.parse(await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (path === '' || entry.dev) continue;
    const { devOptional, ...rest } = entry;
    packages[path] = devOptional ? { ...rest, optional: true } : rest;
  }
  await writeFile(join(dir, 'package-lock.json'), JSON.stringify({ name: 'webrerank-consumers', lockfileVersion: 3, requires: true, packages }, null, 2));
  // What the README tells a user on a machine like ours: onnxruntime-node's install script fetches
  // CUDA files from the internet; its CPU binaries ship inside the package.
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'webrerank-consumers', private: true, type: 'module', dependencies: { webrerank: dependency }, allowScripts: { 'onnxruntime-node': false } }, null, 2));
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 }).catch((error: Error & { stderr?: string }) => {
    throw new Error(`npm ci --offline of the tarball failed (is npm's cache filled? run npm ci here first): ${error.stderr ?? error.message}`);
  });
  return { dir, tarball, files: packed.files.map((file) => file.path), version: manifest.version, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes `files` (path → contents) under `dir`. */
export async function writeProject(dir: string, files: Record<string, string>): Promise<string> {
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), contents);
  }
  return dir;
}

/**
 * Makes the repository's copy of a package (vite, or a framework the adapters need as an optional
 * peer) resolvable from the consumers' folder, as if the user had installed it beside webrerank.
 */
export async function linkTool(consumers: Consumers, name: string): Promise<void> {
  const link = join(consumers.dir, 'node_modules', name);
  await mkdir(join(link, '..'), { recursive: true });
  await symlink(join(REPO_ROOT, 'node_modules', name), link, 'dir');
}

/** Runs `command` in `cwd`; resolves with stdout, stderr and the exit code (never rejects on a non-zero exit). */
export async function runIn(cwd: string, command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, maxBuffer: 16 * 1024 * 1024, ...(env ? { env } : {}) });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
