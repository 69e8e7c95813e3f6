/**
 * The demo page: the chosen model loads as soon as the page opens (and again when the model,
 * backend or precision changes); type a query and documents, press Rerank, see the ranking.
 */
import { createReranker, isRerankError, probeCapabilities, type BrowserReranker, type Dtype, type RerankRequest, type RerankResponse } from '../../src/index.js';
import { DEFAULT_SERVER_URL, curlCommand, serveCommand } from './curl.js';
import { runnableDtypes } from './dtypes.js';
import { modelChoices, type ModelChoice } from './models.js';
import './style.css';
import { clearError, clearResults, hideProgress, showBadge, showDevice, showDevicePending, showDtypes, showError, showLoading, showProgress, showResults, showStandinNotice, showTimings, ui } from './view.js';

const [choices, capabilities] = await Promise.all([modelChoices(), probeCapabilities()]);
ui.model.replaceChildren(...choices.map((choice, position) => new Option(choice.label, String(position))));
ui.serverUrl.value = DEFAULT_SERVER_URL;

/** The reranker for the current model, backend and precision, kept until one of them changes. */
let current: { key: string; reranker: Promise<BrowserReranker>; loadMs?: number } | undefined;

function chosenModel(): ModelChoice {
  return choices[Number(ui.model.value)] as ModelChoice;
}

function chosenDevice(): 'webgpu' | 'wasm' | undefined {
  return ui.device.value === 'webgpu' || ui.device.value === 'wasm' ? ui.device.value : undefined;
}

async function currentReranker(): Promise<{ reranker: BrowserReranker; loadMs?: number }> {
  const choice = chosenModel();
  const device = chosenDevice();
  const dtype = (ui.dtype.value || undefined) as Dtype | undefined;
  const key = `${choice.entry.id}|${device ?? 'auto'}|${dtype ?? 'auto'}`;
  if (current?.key !== key) {
    const previous = current;
    void previous?.reranker.then((reranker) => reranker.dispose()).catch(() => undefined);
    showLoading('Starting the worker and checking this device…');
    const started = performance.now();
    const loading = { key, reranker: createReranker({ models: [choice.entry], ...(device ? { device } : {}), ...(dtype ? { dtype } : {}), onProgress: showProgress }) } as NonNullable<typeof current>;
    current = loading;
    void loading.reranker.then(
      () => (loading.loadMs = performance.now() - started),
      // A failed load is not kept: the next try loads again (the network may be back).
      () => current === loading && (current = undefined),
    );
  }
  const kept = current as NonNullable<typeof current>;
  try {
    const reranker = await kept.reranker;
    return { reranker, ...(kept.loadMs !== undefined ? { loadMs: kept.loadMs } : {}) };
  } finally {
    if (current === kept || current === undefined) hideProgress();
  }
}

/** Loads what the pickers say now, so the first Rerank needs no wait; a failure shows at once. */
async function load(): Promise<void> {
  showDtypes(runnableDtypes(capabilities, chosenDevice(), chosenModel().dtypes));
  clearError();
  clearResults();
  showDevicePending();
  try {
    const { reranker } = await currentReranker();
    showDevice(await reranker.info());
  } catch (error) {
    showError(error, hintFor(error, chosenModel()));
  }
}

function currentRequest(): RerankRequest & { documents: string[] } {
  const documents = ui.documents.value.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return { model: chosenModel().entry.id, query: ui.query.value, documents };
}

async function run(): Promise<void> {
  const choice = chosenModel();
  const request = currentRequest();
  ui.button.disabled = true;
  clearError();
  try {
    const { reranker, loadMs } = await currentReranker();
    performance.mark('webrerank:rerank-start');
    // The list fills as batches finish; the last item is the full answer.
    let response: RerankResponse | undefined;
    for await (const item of reranker.rerankStream(request)) {
      showResults(item, request.documents);
      if (item.done) response = item;
    }
    const measure = performance.measure('webrerank:rerank', 'webrerank:rerank-start');
    if (!response) return;
    const info = await reranker.info();
    showStandinNotice(choice.card.standin || ('standin' in info && info.standin === true));
    showBadge(response, info);
    showTimings(loadMs, measure.duration, request.documents.length);
    showDevice(info);
  } catch (error) {
    clearResults();
    showError(error, hintFor(error, choice));
  } finally {
    ui.button.disabled = false;
  }
}

/** Shows the current request as a curl command, with the server that answers it. */
function showCurl(): string {
  const server = ui.serverUrl.value || DEFAULT_SERVER_URL;
  const { entry } = chosenModel();
  const command = curlCommand(server, currentRequest());
  ui.curlPanel.hidden = false;
  ui.curlCommand.textContent = command;
  ui.serveCommand.textContent = serveCommand(server, { id: entry.id, ...('path' in entry.source ? { demoPath: entry.source.path } : {}) });
  return command;
}

/** Puts the current request on the clipboard as a curl command, where the browser allows. */
async function copyAsCurl(): Promise<void> {
  const command = showCurl();
  try {
    await navigator.clipboard.writeText(command);
    ui.curlStatus.textContent = 'Copied to the clipboard.';
  } catch {
    // No clipboard (an insecure origin, or permission refused): the command is on the page.
    getSelection()?.selectAllChildren(ui.curlCommand);
    ui.curlStatus.textContent = 'This browser did not allow copying: the command is selected above.';
  }
}

/** What the user can do about a failed load. */
function hintFor(error: unknown, choice: ModelChoice): string | undefined {
  if (!isRerankError(error) || error.code !== 'model_load_failed') return undefined;
  return choice.local
    ? 'Generate the local model with `npm run demo:model`, or check demo/public/models/models.json.'
    : 'The model downloads from huggingface.co: check the network, or pick the local stand-in model to try the page offline.';
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  void run();
});
for (const picker of [ui.model, ui.device, ui.dtype]) picker.addEventListener('change', () => void load());
ui.copyCurl.addEventListener('click', () => void copyAsCurl());
ui.serverUrl.addEventListener('input', () => void showCurl());
void load();
