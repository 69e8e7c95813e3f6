/**
 * Model aliases: other names a served model answers to, so a client whose default model name is
 * hard-wired (`rerank-english-v2.0`, `rerank-v3.5`, …) reaches the model this server runs.
 */
import { RerankError } from '../core/errors.js';
import type { RerankerInfo } from '../core/reranker.js';
import type { ModelList } from './service-schemas.js';

/** Alias → served model id. */
export type ModelAliases = Readonly<Record<string, string>>;

/**
 * Parses `alias=model` pairs (the `--model-alias` flag's values). Throws 400 `invalid_request` for
 * a pair without `=`, an empty side, or an alias given twice.
 */
export function parseModelAliases(pairs: readonly string[]): ModelAliases {
  const aliases: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const alias = pair.slice(0, at).trim();
    const model = pair.slice(at + 1).trim();
    if (at < 0 || alias === '' || model === '') throw new RerankError('invalid_request', `--model-alias takes ALIAS=MODEL, got "${pair}".`);
    if (Object.hasOwn(aliases, alias)) throw new RerankError('invalid_request', `--model-alias gives "${alias}" twice.`);
    aliases[alias] = model;
  }
  return aliases;
}

/**
 * The served id a client's model name stands for: its alias target, or the name itself. (The real
 * model's name reaching a lone stand-in is settled by validation, as everywhere.)
 */
export function resolveModel(aliases: ModelAliases, name: string): string {
  return Object.hasOwn(aliases, name) ? (aliases[name] as string) : name;
}

/** `GET /v1/models`: the served models, then the aliases that name them, marked when a stand-in serves. */
export function modelList({ models, standin }: RerankerInfo, aliases: ModelAliases): ModelList {
  const ids = [...models, ...Object.keys(aliases).filter((alias) => !models.includes(alias))];
  return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'webrerank', ...(standin ? { standin: true as const } : {}) })) };
}
