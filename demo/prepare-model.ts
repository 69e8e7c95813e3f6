/**
 * `npm run demo:model`: puts the stand-in model (random weights, for testing) under
 * `demo/public/models/`, where the demo page finds it, so the demo runs offline. Idempotent: an
 * up-to-date model is kept as it is.
 *
 * It also writes `demo/public/models/models.json`, the list of local models the demo's selector
 * offers: add your own folders (transformers.js layout) to it.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateStandinModel } from '../tools/standin/index.js';

/** One local model the demo offers. `path` is under the app's origin. */
export interface DemoModel {
  id: string;
  path: string;
  description: string;
}

/** The demo app's root (its index.html), as Vite serves and builds it. */
export const DEMO_ROOT = import.meta.dirname;
export const DEMO_MODELS_DIR = resolve(DEMO_ROOT, 'public/models');
export const STANDIN: DemoModel = {
  id: 'webrerank/standin-tiny',
  path: 'models/standin-tiny',
  description: 'stand-in, random weights, for testing (offline)',
};

/** Generates the stand-in if missing or stale and lists it in models.json (keeping other entries). */
export async function ensureDemoModel(): Promise<DemoModel[]> {
  await mkdir(DEMO_MODELS_DIR, { recursive: true });
  const model = await generateStandinModel({ preset: 'tiny', out: join(DEMO_MODELS_DIR, 'standin-tiny'), reuseExisting: true });
  const manifestPath = join(DEMO_MODELS_DIR, 'models.json');
  let models: DemoModel[] = [];
  try {
    models = JSON.parse(await readFile(manifestPath, 'utf8')) as DemoModel[];
  } catch {
    // First run, or an unreadable list: start over.
  }
  models = [STANDIN, ...models.filter((entry) => entry.id !== STANDIN.id)];
  await writeFile(manifestPath, `${JSON.stringify(models, null, 2)}\n`);
  console.log(`${model.reused ? 'Kept' : 'Generated'} the stand-in model in ${model.dir}`);
  return models;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  await ensureDemoModel();
}
