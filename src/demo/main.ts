/**
 * The demo page: type a query and documents, press Rerank, see the ranking. The reranker is
 * created on the first Rerank for the chosen model and backend, and reused until either changes.
 */
import { createReranker, isRerankError, type BrowserReranker, type RerankRequest, type RerankResponse } from '../index.js';
import { modelChoices, type ModelChoice } from './models.js';
import './style.css';
import { clearError, clearResults, hideProgress, showBadge, showDevice, showError, showLoading, showProgress, showResults, showTimings, ui } from './view.js';

const choices = await modelChoices();
ui.model.replaceChildren(
  ...choices.map((choice, position) => {
    const option = document.createElement('option');
    option.value = String(position);
    option.textContent = choice.label;
    return option;
  }),
);

/** The reranker for the current model + backend, kept between clicks. */
let current: { key: string; reranker: Promise<BrowserReranker> } | undefined;

async function rerankerFor(choice: ModelChoice, device: string): Promise<{ reranker: BrowserReranker; loadMs?: number }> {
  const key = `${choice.entry.id}|${device}`;
  if (current?.key === key) return { reranker: await current.reranker };
  const previous = current;
  current = undefined;
  void previous?.reranker.then((reranker) => reranker.dispose()).catch(() => undefined);

  showLoading('Starting the worker and checking this device…');
  const started = performance.now();
  const reranker = createReranker({
    models: [choice.entry],
    ...(device === 'webgpu' || device === 'wasm' ? { device } : {}),
    onProgress: showProgress,
  });
  current = { key, reranker };
  try {
    const ready = await reranker;
    return { reranker: ready, loadMs: performance.now() - started };
  } catch (error) {
    // A failed load is not kept: the next click tries again (the network may be back).
    if (current?.key === key) current = undefined;
    throw error;
  } finally {
    hideProgress();
  }
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  void run();
});

async function run(): Promise<void> {
  const choice = choices[Number(ui.model.value)] as ModelChoice;
  const documents = ui.documents.value.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const request: RerankRequest = { model: choice.entry.id, query: ui.query.value, documents };
  ui.button.disabled = true;
  clearError();
  try {
    const { reranker, loadMs } = await rerankerFor(choice, ui.device.value);
    performance.mark('webrerank:rerank-start');
    // The list fills as batches finish; the last item is the full answer.
    let response: RerankResponse | undefined;
    for await (const item of reranker.rerankStream(request)) {
      showResults(item, documents);
      if (item.done) response = item;
    }
    const measure = performance.measure('webrerank:rerank', 'webrerank:rerank-start');
    if (!response) return;
    const info = await reranker.info();
    showBadge(response, info);
    showTimings(loadMs, measure.duration, documents.length);
    showDevice(info);
  } catch (error) {
    clearResults();
    showError(error, hintFor(error, choice));
  } finally {
    ui.button.disabled = false;
  }
}

/** What the user can do about a failed load. */
function hintFor(error: unknown, choice: ModelChoice): string | undefined {
  if (!isRerankError(error) || error.code !== 'model_load_failed') return undefined;
  return choice.local
    ? 'Generate the local model with `npm run demo:model`, or check public/models/models.json.'
    : 'The model downloads from huggingface.co: check the network, or pick the local stand-in model to try the page offline.';
}
