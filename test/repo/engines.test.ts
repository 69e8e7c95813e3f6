/**
 * The Node versions package.json promises are ones every package webrerank runs on supports: each
 * runtime dependency (the whole installed tree, from the lockfile), and the frameworks the adapters
 * plug into, declares an `engines.node` that covers all of ours. Otherwise an app on our minimum
 * Node gets EBADENGINE warnings, or a dependency that breaks there.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

interface Manifest {
  name: string;
  version: string;
  engines?: { node?: string };
  peerDependencies?: Record<string, string>;
}

interface LockEntry {
  dev?: boolean;
  optional?: boolean;
}

const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;
const manifest = readJson<Manifest>(join(ROOT, 'package.json'));
const lock = readJson<{ packages: Record<string, LockEntry> }>(join(ROOT, 'package-lock.json'));
const declared = manifest.engines?.node ?? '';

/** The installed manifest at `path` (a lockfile key such as node_modules/a/node_modules/b); undefined when not installed here (another platform's optional package). */
function installed(path: string): Manifest | undefined {
  try {
    return readJson<Manifest>(join(ROOT, path, 'package.json'));
  } catch {
    return undefined;
  }
}

/** Every package an app installs with webrerank: the non-dev part of the lockfile. */
const runtime = Object.entries(lock.packages)
  .filter(([path, entry]) => path !== '' && !entry.dev)
  .map(([path]) => installed(path))
  .filter((entry): entry is Manifest => entry !== undefined);

/** The adapters' frameworks as users install them: the peers, and `ai`, whose rerank() takes the AI SDK model. */
const frameworks = [...Object.keys(manifest.peerDependencies ?? {}), 'ai', '@langchain/classic']
  .map((name) => installed(`node_modules/${name}`))
  .filter((entry): entry is Manifest => entry !== undefined);

/** The packages whose own `engines.node` leaves out some Node version that `declared` allows. */
function outside(packages: Manifest[]): string[] {
  return packages.filter((entry) => entry.engines?.node !== undefined && !semver.subset(declared, entry.engines.node, { includePrerelease: false })).map((entry) => `${entry.name}@${entry.version} wants node ${entry.engines?.node}`);
}

describe('engines.node', () => {
  it('declares a minimum on a Node line that is still supported (22 or later)', () => {
    expect(semver.validRange(declared)).not.toBeNull();
    expect(semver.minVersion(declared)?.major).toBeGreaterThanOrEqual(22);
  });

  it('is covered by every runtime dependency’s own engines.node', () => {
    expect(runtime.length).toBeGreaterThan(10);
    expect(outside(runtime)).toEqual([]);
  });

  it('is covered by the frameworks the adapters plug into, as npm installs them', () => {
    expect(frameworks.map((entry) => entry.name)).toContain('ai');
    expect(outside(frameworks)).toEqual([]);
  });

  it('would catch a dependency that needs a newer Node than the declared minimum', () => {
    expect(outside([{ name: 'needs-newer', version: '1.0.0', engines: { node: `>=${semver.inc(semver.minVersion(declared) ?? '0.0.0', 'minor')}` } }])).toEqual([
      `needs-newer@1.0.0 wants node >=${semver.inc(semver.minVersion(declared) ?? '0.0.0', 'minor')}`,
    ]);
  });
});
