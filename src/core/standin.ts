/**
 * The generated stand-in model (random weights, for tests and demos) must never pass for a real
 * one: its `config.json` carries `webrerank_standin`, and everything that reports on a model says
 * so with the sentence below.
 */
import { DEFAULT_MODEL_ID } from './models.js';

/** The one sentence every response from a stand-in carries in `meta.warnings`. */
export const STANDIN_WARNING = 'These scores come from a stand-in model with random weights, not a trained reranker: they mean nothing about relevance.';

/** Whether a model's parsed `config.json` marks it as a generated stand-in. */
export function isStandinConfig(config: unknown): boolean {
  return typeof config === 'object' && config !== null && 'webrerank_standin' in config && (config as Record<string, unknown>).webrerank_standin != null;
}

/**
 * The id a stand-in is served as when its folder is given without one (`webrerank/standin-tiny`):
 * named for what it is, never the real model's id. Undefined for a config that is not a stand-in's.
 */
export function standinModelId(config: unknown): string | undefined {
  if (!isStandinConfig(config)) return undefined;
  const preset = ((config as Record<string, unknown>).webrerank_standin as { preset?: unknown }).preset;
  return `${STANDIN_ID_PREFIX}${typeof preset === 'string' && /^[a-z0-9-]+$/.test(preset) ? preset : 'model'}`;
}

/** How every id given to a stand-in by {@link standinModelId} begins. */
export const STANDIN_ID_PREFIX = 'webrerank/standin-';

/** Whether `id` is one {@link standinModelId} gives: known from the id alone, before the model loads. */
export function isStandinId(id: string): boolean {
  return id.startsWith(STANDIN_ID_PREFIX);
}

/**
 * The served model that answers a request naming `name`: the real model's id reaches a lone
 * stand-in served under its own id, since clients hard-code that id (the answer then names the
 * stand-in, and warns). Any other name is answered by itself.
 */
export function modelForRequest(name: string, served: readonly string[]): string {
  const [only, ...others] = served;
  return name === DEFAULT_MODEL_ID && only !== undefined && others.length === 0 && isStandinId(only) ? only : name;
}
