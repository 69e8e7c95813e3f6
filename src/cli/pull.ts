/**
 * `webrerank pull [MODEL_ID]`: fetches a model's files for the asked dtypes into the Hugging Face
 * hub cache ahead of time, so `rank`, `serve` and `createReranker` later find it offline — as
 * `hf download` or `ollama pull` do.
 */
import { BUILTIN_MODELS, DEFAULT_MODEL_ID, DEFAULT_MODEL_REPO } from '../core/models.js';
import { RerankError, toRerankError } from '../core/errors.js';
import { ProgressTracker, formatBytes } from '../core/progress.js';
import type { Dtype } from '../core/contract.js';
import { hubCacheDir, hubOffline } from '../node/hub-cache.js';
import { pullModel } from '../node/hub-pull.js';
import { dtypeNames } from './choices.js';
import { ProgressBar } from './progress-bar.js';
import { UsageError, oneOf, parseFlags } from './usage.js';

const help = (cacheDir: string): string => `Usage: webrerank pull [MODEL_ID] [--dtype q8,fp16,fp32] [--revision REV]

Downloads the model's files in transformers.js layout (config, tokenizer, the ONNX files of the
asked dtypes) into the Hugging Face hub cache, where rank, serve and createReranker find them
offline (here: ${cacheDir}). MODEL_ID is a served id (default ${DEFAULT_MODEL_ID}, whose files are in
${DEFAULT_MODEL_REPO}) or any hub repo in that layout.

Options:
  --dtype LIST      comma-separated precisions to fetch (default q8)
  --revision REV    branch, tag or commit (default main)

Environment, as huggingface_hub reads it:
  HF_ENDPOINT       the hub (default https://huggingface.co)
  HF_HUB_CACHE      the cache folder (default $HF_HOME/hub, ~/.cache/huggingface/hub)
  HF_TOKEN          a token for gated or private repositories
`;

const PULL_FLAGS = {
  dtype: { type: 'string' },
  revision: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs `webrerank pull`; resolves with the exit code. */
export async function pull(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const { values, positionals } = parseFlags(argv, PULL_FLAGS, 1);
  if (values.help) {
    process.stdout.write(help(hubCacheDir(env)));
    return 0;
  }
  const id = positionals[0] ?? DEFAULT_MODEL_ID;
  const dtypes = [...new Set((values.dtype ?? 'q8').split(',').map((name) => oneOf('--dtype', name.trim(), dtypeNames())))] as Dtype[];
  const builtin = BUILTIN_MODELS.find((entry) => entry.id === id);
  const source = builtin?.source;
  if (source && !('hub' in source)) throw new UsageError(`${id} is not on the hub; nothing to pull`);
  const repo = source && 'hub' in source ? source.hub : id;
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new UsageError(`MODEL_ID must be a hub repo such as ORG/NAME, got "${id}"`);
  const revision = values.revision ?? (source && 'hub' in source ? source.revision : undefined);

  try {
    if (hubOffline(env)) throw new RerankError('model_unavailable', 'HF_HUB_OFFLINE is set: pulling needs the hub. Unset it, or copy a cache that holds the model.');
    const err = process.stderr;
    // A bar in a terminal; a pipe or a log gets one line per file instead.
    const bar = err.isTTY ? new ProgressBar(err, 100, '%') : undefined;
    const tracker = new ProgressTracker(id, (event) => {
      if (event.status === 'progress') bar?.moveTo(Math.round(event.progress), event.label);
    });
    const pulled = await pullModel({ repo, ...(revision ? { revision } : {}), dtypes, env, onProgress: tracker.handle });
    bar?.finish();
    if (!bar) for (const file of pulled.files) err.write(`${file.path}  ${formatBytes(file.bytes)}  ${file.fetched ? 'downloaded' : 'already cached'}\n`);
    process.stdout.write(`${id}: ${repo}@${pulled.commit} (${dtypes.join(', ')}) in ${pulled.folder}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${JSON.stringify(toRerankError(error).toJSON())}\n`);
    return 1;
  }
}
