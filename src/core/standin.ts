/**
 * The generated stand-in model (random weights, for tests and demos) must never pass for a real
 * one: its `config.json` carries `webrerank_standin`, and everything that reports on a model says
 * so with the sentence below.
 */

/** The one sentence every response from a stand-in carries in `meta.warnings`. */
export const STANDIN_WARNING = 'These scores come from a stand-in model with random weights, not a trained reranker: they mean nothing about relevance.';

/** Whether a model's parsed `config.json` marks it as a generated stand-in. */
export function isStandinConfig(config: unknown): boolean {
  return typeof config === 'object' && config !== null && 'webrerank_standin' in config && (config as Record<string, unknown>).webrerank_standin != null;
}
