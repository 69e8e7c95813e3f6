/**
 * Rendering for the demo page: plain DOM, no framework. Each function owns one part of the page.
 */
import type { BrowserRerankerInfo, Dtype, LoadProgress, RerankResponse } from '../../src/index.js';
import { isRerankError } from '../../src/index.js';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The demo page has no #${id}.`);
  return found as T;
}

export const ui = {
  form: element<HTMLFormElement>('form'),
  model: element<HTMLSelectElement>('model'),
  device: element<HTMLSelectElement>('device'),
  dtype: element<HTMLSelectElement>('dtype'),
  dtypeLabel: element<HTMLLabelElement>('dtype-label'),
  query: element<HTMLInputElement>('query'),
  documents: element<HTMLTextAreaElement>('documents'),
  button: element<HTMLButtonElement>('rerank'),
  copyCurl: element<HTMLButtonElement>('copy-curl'),
  curlPanel: element<HTMLElement>('curl-panel'),
  serverUrl: element<HTMLInputElement>('server-url'),
  curlCommand: element<HTMLPreElement>('curl-command'),
  curlStatus: element<HTMLParagraphElement>('curl-status'),
  serveCommand: element<HTMLPreElement>('serve-command'),
  standinNotice: element<HTMLParagraphElement>('standin-notice'),
  badge: element<HTMLSpanElement>('badge'),
  timings: element<HTMLSpanElement>('timings'),
  progress: element<HTMLDivElement>('progress'),
  progressBar: element<HTMLProgressElement>('progress-bar'),
  progressText: element<HTMLSpanElement>('progress-text'),
  error: element<HTMLDivElement>('error'),
  results: element<HTMLOListElement>('results'),
  deviceInfo: element<HTMLPreElement>('device-info'),
};

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/**
 * The load bar: one bar over all files, which never goes back (the tracker's `progress`), and a
 * label that says what is true — files and bytes so far, then that the model is being built.
 */
export function showProgress(event: LoadProgress): void {
  if (event.status === 'ready') {
    ui.progress.hidden = true;
    return;
  }
  ui.progress.hidden = false;
  if (event.status === 'download') return;
  if (event.status === 'building') {
    // Every byte is in: the bar stays full while the runtime builds the model.
    ui.progressBar.value = 100;
    ui.progressText.textContent = `Files loaded; building the model on ${event.backend.toUpperCase()} (${event.dtype})…`;
    return;
  }
  ui.progressBar.value = event.progress;
  ui.progressText.textContent = `Loading the model: ${event.label}`;
}

export function showLoading(what: string): void {
  ui.progress.hidden = false;
  ui.progressBar.removeAttribute('value');
  ui.progressText.textContent = what;
}

export function hideProgress(): void {
  ui.progress.hidden = true;
}

/** Backend and dtype that actually ran, e.g. "WASM · q8 · 2 threads". */
export function showBadge(response: RerankResponse, info: BrowserRerankerInfo): void {
  const meta = response.meta;
  const parts = [meta?.backend === 'webgpu' ? 'WebGPU' : (meta?.backend ?? 'unknown').toUpperCase(), meta?.dtype ?? '?'];
  if (meta?.backend === 'wasm' && info.threads !== undefined) parts.push(`${info.threads} thread${info.threads === 1 ? '' : 's'}`);
  ui.badge.textContent = parts.join(' · ');
  ui.badge.title = info.plan?.runtimes.map((runtime) => `${runtime.device}/${runtime.dtype}: ${runtime.reason}`).join('\n') ?? '';
  ui.badge.hidden = false;
}

/** The notice that a stand-in's scores mean nothing, shown with its results only. */
export function showStandinNotice(standin: boolean): void {
  ui.standinNotice.hidden = !standin;
}

/** The precision picker: "auto" plus `dtypes`, shown only when there is a choice to make. */
export function showDtypes(dtypes: readonly Dtype[]): void {
  const kept = dtypes.includes(ui.dtype.value as Dtype) ? ui.dtype.value : '';
  const auto = new Option('auto', '');
  ui.dtype.replaceChildren(auto, ...dtypes.map((dtype) => new Option(dtype, dtype)));
  ui.dtype.value = kept;
  ui.dtypeLabel.hidden = dtypes.length < 2;
}

export function showTimings(loadMs: number | undefined, rerankMs: number, documents: number): void {
  const load = loadMs === undefined ? '' : `load ${formatMs(loadMs)} · `;
  ui.timings.textContent = `${load}rerank ${formatMs(rerankMs)} for ${documents} document${documents === 1 ? '' : 's'}`;
}

/**
 * The ranked list: rank, a bar for the score, the score, the original index, the text. Called
 * again as each batch finishes, with the documents scored so far.
 */
export function showResults(response: Pick<RerankResponse, 'results'>, documents: readonly string[]): void {
  const rows = response.results.map((result, rank) => {
    const row = document.createElement('li');
    row.className = 'result';
    row.dataset.index = String(result.index);
    const fill = document.createElement('div');
    fill.className = 'fill';
    fill.style.width = `${(100 * (result.relevance_score ?? 0)).toFixed(1)}%`;
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.append(fill);
    row.append(
      span('rank', String(rank + 1)),
      bar,
      span('score', result.relevance_score?.toFixed(4) ?? 'unscored'),
      span('index', `doc #${result.index}`),
      span('text', documents[result.index] ?? ''),
    );
    return row;
  });
  // A frame per chunk of rows: one frame for a hundred would be a long task on a slow device.
  const token = ++renderToken;
  ui.results.replaceChildren(...rows.slice(0, ROWS_PER_FRAME));
  const appendRest = (from: number) => {
    if (token !== renderToken || from >= rows.length) return;
    requestAnimationFrame(() => {
      if (token !== renderToken) return;
      ui.results.append(...rows.slice(from, from + ROWS_PER_FRAME));
      appendRest(from + ROWS_PER_FRAME);
    });
  };
  appendRest(ROWS_PER_FRAME);
}

const ROWS_PER_FRAME = 10;
/** Which rendering is current: a newer one stops an older one's remaining chunks. */
let renderToken = 0;

function span(className: string, text: string): HTMLSpanElement {
  const node = document.createElement('span');
  node.className = className;
  node.textContent = text;
  return node;
}

/** A readable message; our errors add their code and status on a second line. */
export function showError(error: unknown, hint?: string): void {
  ui.error.hidden = false;
  const message = error instanceof Error ? error.message : String(error);
  ui.error.textContent = message;
  const details = [hint, isRerankError(error) ? `${error.code} (${error.status})` : undefined];
  for (const text of details) {
    if (text === undefined) continue;
    const line = document.createElement('small');
    line.textContent = text;
    ui.error.append(line);
  }
}

/** Forgets the last answer, so a failure never sits next to an earlier model's ranking. */
export function clearResults(): void {
  renderToken++;
  ui.results.replaceChildren();
  ui.standinNotice.hidden = true;
  ui.badge.hidden = true;
  ui.timings.textContent = '';
}

export function clearError(): void {
  ui.error.hidden = true;
  ui.error.replaceChildren();
}

export function showDevicePending(): void {
  ui.deviceInfo.textContent = 'Shown once the model has loaded: what this device offers and which backend was chosen.';
}

export function showDevice(info: BrowserRerankerInfo): void {
  const lines = [`backend: ${info.backend ?? '—'} ${info.dtype ?? ''}${info.threads ? `, ${info.threads} threads` : ''}, in a worker: ${info.inWorker ? 'yes' : 'no'}`];
  for (const runtime of info.plan?.runtimes ?? []) lines.push(`planned ${runtime.device}/${runtime.dtype}: ${runtime.reason}`);
  for (const skipped of info.plan?.skipped ?? []) lines.push(`skipped ${skipped.device}: ${skipped.reason}`);
  for (const fallback of info.fallbacks ?? []) lines.push(`fell back from ${fallback.backend}/${fallback.dtype}: ${fallback.reason}`);
  if (info.cache) lines.push(`model cache: ${info.cache.persistent ? `persistent (${info.cache.name})` : (info.cache.reason ?? 'off')}`);
  if (info.capabilities) lines.push('', JSON.stringify(info.capabilities, null, 2));
  ui.deviceInfo.textContent = lines.join('\n');
}
