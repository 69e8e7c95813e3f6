/**
 * The Hugging Face hub's local cache, the documented layout that huggingface_hub, transformers,
 * vLLM, llama.cpp and `@huggingface/hub` share: `models--ORG--NAME/{blobs/<etag>,
 * snapshots/<commit>/<path> → ../../blobs/<etag>, refs/<revision>}`. A model pulled by any of
 * them is found here, and one pulled by webrerank serves them too.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_FILES, ONNX_FILE } from '../core/model-layout.js';
import { isStandinConfig } from '../core/standin.js';
import type { Dtype } from '../core/contract.js';
import { folderContents } from './model-folder.js';

/** Environment variables the hub's own clients read. */
export type HubEnv = Record<string, string | undefined>;

/** The cache folder: `HF_HUB_CACHE`, else `HF_HOME/hub`, else `~/.cache/huggingface/hub` (as huggingface_hub). */
export function hubCacheDir(env: HubEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface', 'hub');
}

/** The hub's base URL: `HF_ENDPOINT`, else huggingface.co. */
export function hubEndpoint(env: HubEnv = process.env): string {
  return (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

/** Whether `HF_HUB_OFFLINE` forbids the network (huggingface_hub reads 1, true, yes, on). */
export function hubOffline(env: HubEnv = process.env): boolean {
  return /^(1|true|yes|on)$/i.test(env.HF_HUB_OFFLINE ?? '');
}

/** `models--ORG--NAME`, the folder of `repo` in the cache. */
export function repoFolder(cacheDir: string, repo: string): string {
  return join(cacheDir, `models--${repo.split('/').join('--')}`);
}

/** A full commit id, as the hub names snapshots. */
export const COMMIT = /^[0-9a-f]{40}$/;

/** The commit `revision` points to in the cache (a commit is its own), or undefined. */
export async function cachedCommit(cacheDir: string, repo: string, revision = 'main'): Promise<string | undefined> {
  if (COMMIT.test(revision)) return revision;
  const ref = await readFile(join(repoFolder(cacheDir, repo), 'refs', revision), 'utf8').catch(() => undefined);
  const commit = ref?.trim();
  return commit && COMMIT.test(commit) ? commit : undefined;
}

/**
 * The cached snapshot folder of `repo` at `revision` when it holds every file a model in `dtype`
 * needs (and its external weights when `externalData`); else undefined.
 */
export async function findCachedModel(cacheDir: string, repo: string, revision: string | undefined, dtype: Dtype, externalData = false): Promise<string | undefined> {
  const commit = await cachedCommit(cacheDir, repo, revision);
  if (commit === undefined) return undefined;
  const folder = join(repoFolder(cacheDir, repo), 'snapshots', commit);
  const needed = [...CONFIG_FILES, ONNX_FILE[dtype], ...(externalData ? [`${ONNX_FILE[dtype]}_data`] : [])];
  // stat follows the snapshot's symlinks: a link whose blob was deleted counts as missing.
  for (const file of needed) if (!(await stat(join(folder, file)).catch(() => undefined))?.isFile()) return undefined;
  return folder;
}

/** One cached snapshot of a model, as `webrerank models` lists it. */
export interface CachedModel {
  repo: string;
  commit: string;
  /** The refs (branches, tags) that point to this commit. */
  revisions: string[];
  dtypes: Dtype[];
  /** Bytes of the snapshot's files. */
  bytes: number;
  standin: boolean;
  folder: string;
}

/** Every snapshot in the cache that is a model in transformers.js layout (others are skipped). */
export async function listCachedModels(cacheDir: string): Promise<CachedModel[]> {
  const repos = (await readdir(cacheDir).catch(() => [] as string[])).filter((name) => name.startsWith('models--')).sort();
  const models: CachedModel[] = [];
  for (const name of repos) {
    const repo = name.slice('models--'.length).split('--').join('/');
    const root = join(cacheDir, name);
    const refs = await readRefs(join(root, 'refs'));
    for (const commit of (await readdir(join(root, 'snapshots')).catch(() => [] as string[])).sort()) {
      const folder = join(root, 'snapshots', commit);
      const contents = await folderContents(folder);
      if (contents.dtypes.length === 0 || contents.missingConfig.length > 0) continue;
      const config = await readFile(join(folder, 'config.json'), 'utf8').then((text) => JSON.parse(text) as unknown, () => undefined);
      models.push({
        repo,
        commit,
        revisions: refs.filter(([, target]) => target === commit).map(([ref]) => ref),
        dtypes: contents.dtypes,
        bytes: await folderBytes(folder),
        standin: isStandinConfig(config),
        folder,
      });
    }
  }
  return models;
}

/** `[ref, commit]` for each file under `refs/` (branches may hold slashes: `refs/pr/1`). */
async function readRefs(folder: string, prefix = ''): Promise<[string, string][]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const refs: [string, string][] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) refs.push(...(await readRefs(join(folder, entry.name), `${prefix}${entry.name}/`)));
    else refs.push([`${prefix}${entry.name}`, (await readFile(join(folder, entry.name), 'utf8')).trim()]);
  }
  return refs;
}

async function folderBytes(folder: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    const info = await stat(join(entry.parentPath, entry.name)).catch(() => undefined);
    if (info?.isFile()) bytes += info.size;
  }
  return bytes;
}
