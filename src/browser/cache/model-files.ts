/**
 * The browser's way to get a model's files to onnxruntime-web: which files and where from, fetched
 * once (store or network, one progress bar), and the weights handed over as external data so the
 * WASM heap holds them once, not twice — read from the model store on demand where it can, so they
 * are not in JS memory at all while the session is built.
 */
import type { ModelEntry, ModelSource } from '../../core/models.js';
import type { Dtype } from '../../core/contract.js';
import { ONNX_FILE, modelFileNames } from '../../core/model-layout.js';
import type { FilePreparer, PreparedModelFiles } from '../../engine/cross-encoder.js';
import { splitOnnxWeights } from '../../engine/external-weights.js';
import { fetchModelFiles, type ModelFile } from './model-download.js';
import { fileGivenAsFolder } from './model-source-check.js';
import type { ModelStore } from './model-store.js';
import type { StoredFileBytes } from './stored-file.js';


/** Where transformers.js looks for hub files; an app may have changed it. */
export interface HubLocation {
  remoteHost: string;
  remotePathTemplate: string;
}

/** The files a cross-encoder needs in `dtype`, with the URL of each. */
export function modelFiles(entry: ModelEntry, dtype: Dtype, hub: HubLocation, pageUrl: string): ModelFile[] {
  const onnx = ONNX_FILE[dtype];
  const names = modelFileNames(dtype, entry.externalData?.[dtype] ?? false);
  const base = baseUrl(entry.source, hub, pageUrl);
  // A single-file model is split (below) and its weights read from the store on demand.
  const onDemand = !entry.externalData?.[dtype];
  return names.map((file) => ({ file, url: new URL(file, base).href, ...(onDemand && file === onnx ? { onDemand } : {}) }));
}

function baseUrl(source: ModelSource, hub: HubLocation, pageUrl: string): string {
  if ('hub' in source) {
    const path = hub.remotePathTemplate.replaceAll('{model}', source.hub).replaceAll('{revision}', encodeURIComponent(source.revision ?? 'main'));
    return new URL(withSlash(path), withSlash(hub.remoteHost)).href;
  }
  return new URL(withSlash('url' in source ? source.url : source.path), pageUrl).href;
}

function withSlash(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

// The name the split graph gives its weights: the original file, handed over as external data.
const WEIGHTS_PATH = 'webrerank-weights.bin';

/**
 * A FilePreparer for the browser: fetches the files through the store, and splits the ONNX file
 * into a small graph plus its own bytes as external data.
 */
export function browserFilePreparer(options: { store: () => Promise<ModelStore | null>; hub: () => Promise<HubLocation>; pageUrl: string }): FilePreparer {
  return async (entry, runtime, onProgress) => {
    const hub = await options.hub();
    // An `.onnx` file given as the model's folder is known from its URL: nothing is fetched.
    const mistake = fileGivenAsFolder(baseUrl(entry.source, hub, options.pageUrl));
    if (mistake) throw mistake;
    const files = modelFiles(entry, runtime.dtype, hub, options.pageUrl);
    const bytes = await fetchModelFiles(files, { model: entry.id, store: await options.store(), ...(onProgress ? { onProgress } : {}) });
    return prepare(bytes, ONNX_FILE[runtime.dtype]);
  };
}

function prepare(bytes: Map<string, Uint8Array>, onnxFile: string): PreparedModelFiles {
  const model = bytes.get(onnxFile) as Uint8Array | StoredFileBytes;
  const modelBytes = model.length + (bytes.get(`${onnxFile}_data`)?.length ?? 0);
  const onDemand = 'close' in model ? model : undefined;
  let externalData: PreparedModelFiles['externalData'];
  // A model already in external-data form is left alone: its weights are outside the graph.
  let split: ReturnType<typeof splitOnnxWeights>;
  try {
    split = bytes.has(`${onnxFile}_data`) ? null : splitOnnxWeights(onDemand ?? model, WEIGHTS_PATH);
  } catch (error) {
    onDemand?.close();
    throw error;
  }
  if (split) {
    bytes.set(onnxFile, split.graph);
    // Stored bytes read on demand: onnxruntime-web reads each tensor from the disk into WASM.
    externalData = [{ path: WEIGHTS_PATH, data: model }];
  } else if (onDemand) {
    // Nothing to split (tiny weights): transformers.js reads the file as it is, from memory.
    bytes.set(onnxFile, onDemand.bytes(0, onDemand.length));
    onDemand.close();
  }
  const prepared: PreparedModelFiles = {
    cache: {
      async match(request) {
        const url = typeof request === 'string' ? request : request.url;
        for (const [file, data] of bytes) {
          if (url === file || url.endsWith(`/${file}`)) return new Response(data as Uint8Array<ArrayBuffer>, { headers: { 'Content-Length': String(data.length) } });
        }
        return undefined;
      },
      async put() {
        // The files are stored already, as they downloaded.
      },
    },
    modelBytes,
    release() {
      if (split) onDemand?.close();
      bytes.clear();
      delete prepared.externalData;
    },
  };
  if (externalData) prepared.externalData = externalData;
  return prepared;
}
