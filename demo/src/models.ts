/**
 * The models the demo offers: the real bge-reranker-v2-m3 from the hub, and every local folder
 * listed in `/models/models.json` (written by `npm run demo:model`; add your own folders to it).
 */
import { BUILTIN_MODELS, DEFAULT_MODEL_ID, type ModelEntry } from '../../src/index.js';

export interface ModelChoice {
  entry: ModelEntry;
  label: string;
  local: boolean;
}

interface ListedModel {
  id: string;
  path: string;
  description?: string;
}

/** Local models first (they work offline), then the real model. */
export async function modelChoices(): Promise<ModelChoice[]> {
  const hub = BUILTIN_MODELS.find((entry) => entry.id === DEFAULT_MODEL_ID) as ModelEntry;
  const choices: ModelChoice[] = [{ entry: hub, label: `${hub.id} — from the Hugging Face hub (~570 MB download, then cached)`, local: false }];
  try {
    const response = await fetch(new URL('models/models.json', document.baseURI));
    if (response.ok) {
      const listed = (await response.json()) as ListedModel[];
      const local = listed.map((model) => ({
        entry: { id: model.id, source: { path: model.path }, description: model.description ?? '' },
        label: `${model.id} — ${model.description ?? 'a local folder'}`,
        local: true,
      }));
      choices.unshift(...local);
    }
  } catch {
    // No local models: the hub model alone.
  }
  return choices;
}
