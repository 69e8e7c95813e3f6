/**
 * The id `rank` serves a model folder as, and the served model a request's name reaches: a
 * stand-in folder given without --model is `webrerank/standin-PRESET`, never the real model's id,
 * and a request naming the real id (the hosted API's examples do) still reaches it.
 */
import { resolve } from 'node:path';
import { modelForRequest } from '../core/standin.js';
import type { NodeRerankerOptions } from '../node/create-node-reranker.js';
import { servedModelId } from '../node/model-folder.js';

type ModelOptions = Omit<NodeRerankerOptions, 'preload'>;

/** `options` with the id its model folder is served as, when none was given. */
export async function withServedModel(options: ModelOptions): Promise<ModelOptions> {
  if (options.modelPath === undefined || options.model !== undefined) return options;
  return { ...options, model: await servedModelId(resolve(options.modelPath)) };
}

/** `request` (a parsed body, maybe not an object) with its model name turned to the served model that answers it. */
export function towardServed<Request>(request: Request, options: ModelOptions): Request {
  if (options.model === undefined || typeof request !== 'object' || request === null) return request;
  const { model } = request as { model?: unknown };
  return typeof model === 'string' ? { ...request, model: modelForRequest(model, [options.model]) } : request;
}
