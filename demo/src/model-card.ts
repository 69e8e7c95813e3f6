/**
 * What a model's own `config.json` says about it: whether it is a stand-in (the generator marks
 * it with a `webrerank_standin` record) and which dtypes its folder holds. Read by the page itself,
 * so the notice does not depend on what a reranker version reports.
 */
import type { Dtype, ModelEntry } from '../../src/index.js';

export interface ModelCard {
  /** Random weights made for testing: its scores mean nothing. */
  standin: boolean;
  /** The dtypes the folder has files for, when the config says so. */
  dtypes?: Dtype[];
}

const KNOWN_DTYPES: readonly Dtype[] = ['q8', 'fp16', 'fp32'];

/** The card of a model served from the page's origin or a URL; hub models are not stand-ins. */
export async function readModelCard(entry: ModelEntry): Promise<ModelCard> {
  const base = 'path' in entry.source ? entry.source.path : 'url' in entry.source ? entry.source.url : undefined;
  if (base === undefined) return { standin: false };
  try {
    const response = await fetch(new URL(`${base.replace(/\/?$/, '/')}config.json`, document.baseURI));
    if (!response.ok) return { standin: false };
    return cardFromConfig(await response.json());
  } catch {
    // An unreadable config fails the load itself, with the reranker's own message.
    return { standin: false };
  }
}

export function cardFromConfig(config: unknown): ModelCard {
  const record = (config as { webrerank_standin?: { dtypes?: unknown } } | null)?.webrerank_standin;
  if (record === undefined || record === null) return { standin: false };
  const dtypes = Array.isArray(record.dtypes) ? KNOWN_DTYPES.filter((dtype) => (record.dtypes as unknown[]).includes(dtype)) : undefined;
  return { standin: true, ...(dtypes ? { dtypes } : {}) };
}
