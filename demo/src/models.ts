/**
 * The models the demo offers: every local folder listed in `/models/models.json` (written by
 * `npm run demo:model`; add your own folders to it), then the real bge-reranker-v2-m3 from the hub.
 */
import { BUILTIN_MODELS, DEFAULT_MODEL_ID, type Dtype, type ModelEntry } from '../../src/index.js';
import { readModelCard, type ModelCard } from './model-card.js';

export interface ModelChoice {
  entry: ModelEntry;
  label: string;
  local: boolean;
  card: ModelCard;
  /** The dtypes it has files for. */
  dtypes: readonly Dtype[];
}

interface ListedModel {
  id: string;
  path: string;
  description?: string;
  dtypes?: Dtype[];
}

/** The ONNX conversion on the hub has all three. */
const HUB_DTYPES: readonly Dtype[] = ['q8', 'fp16', 'fp32'];

/** Local models first (they work offline), then the real model. */
export async function modelChoices(): Promise<ModelChoice[]> {
  const hub = BUILTIN_MODELS.find((entry) => entry.id === DEFAULT_MODEL_ID) as ModelEntry;
  const choices: ModelChoice[] = [{ entry: hub, label: `${hub.id} — the real model, ~570 MB download`, local: false, card: { standin: false }, dtypes: HUB_DTYPES }];
  let listed: ListedModel[] = [];
  try {
    const response = await fetch(new URL('models/models.json', document.baseURI));
    if (response.ok) listed = (await response.json()) as ListedModel[];
  } catch {
    // No local models: the hub model alone.
  }
  const local = await Promise.all(
    listed.map(async (model): Promise<ModelChoice> => {
      const entry: ModelEntry = { id: model.id, source: { path: model.path }, description: model.description ?? '' };
      const card = await readModelCard(entry);
      return { entry, label: `${model.id} — ${model.description ?? 'a local folder'}`, local: true, card, dtypes: model.dtypes ?? card.dtypes ?? HUB_DTYPES };
    }),
  );
  return [...local, ...choices];
}
