/**
 * A browser model source's mistakes in the user's words, found from what the server answered for
 * each file before anything large downloads: no model folder at the base URL ("config.json
 * answered 404: is this a model folder?"), an `.onnx` file or the `onnx/` folder given instead of
 * the model's folder, which required files are missing (and, for the ONNX file, which dtypes the
 * folder does have), or a server that wants credentials. The wording is shared with Node's folder
 * check (model-layout.ts); the code stays `model_load_failed`, on which `auto` mode switches to the
 * server.
 */
import { RerankError } from '../../core/errors.js';
import type { Dtype } from '../../core/contract.js';
import { CONFIG_FILES, ONNX_FILE, dtypeOfFile, modelSourceWords } from '../../core/model-layout.js';

/** What the server said about one file (to a HEAD, or to the download itself). */
export type FileAnswer =
  | { kind: 'there'; size?: number }
  /** 404/410, or an HTML page where a model file was asked for (a dev server's index.html). */
  | { kind: 'missing'; status: number; html: boolean }
  /** 401/403: the server wants credentials this page does not send. */
  | { kind: 'refused'; status: number }
  /** Anything else (no HEAD support, unreachable): the download itself will say. */
  | { kind: 'unknown' };

/** Asks the server about one URL; used to look for the parent folder and other dtypes' files. */
export type FileProbe = (url: string) => Promise<FileAnswer>;

/** The answer a response stands for. */
export function answerOf(response: Response, file: string): FileAnswer {
  if (response.status === 401 || response.status === 403) return { kind: 'refused', status: response.status };
  if (response.status === 404 || response.status === 410) return { kind: 'missing', status: response.status, html: false };
  if (!response.ok) return { kind: 'unknown' };
  if (isHtml(response, file)) return { kind: 'missing', status: response.status, html: true };
  return { kind: 'there' };
}

/** An HTML page where a model file (JSON, ONNX, binary) was asked for. */
export function isHtml(response: Response, file: string): boolean {
  return !/\.html?$/i.test(file) && /^text\/html\b/i.test(response.headers.get('content-type') ?? '');
}

/**
 * A base URL that names an `.onnx` file rather than a folder: known from the URL alone, so it is
 * refused before anything is fetched. Undefined for anything that may be a folder.
 */
export function fileGivenAsFolder(base: string): RerankError | undefined {
  const where = withoutSlash(base);
  const url = new URL(where);
  if (!/\.onnx(_data)?$/i.test(url.pathname)) return undefined;
  const parent = new URL('./', url);
  const folder = parent.pathname.endsWith('/onnx/') ? withoutSlash(new URL('../', parent).href) : undefined;
  return failed(modelSourceWords.fileNotFolder(where, folder));
}

/**
 * The error for the files of one model (their URLs and answers), or undefined when none is
 * missing or refused. `probe` asks about the parent folder and the other dtypes' ONNX files, so
 * the message can say what to give instead.
 */
export async function sourceProblem(files: readonly { file: string; url: string; answer: FileAnswer }[], probe: FileProbe): Promise<RerankError | undefined> {
  const refused = files.find(({ answer }) => answer.kind === 'refused');
  if (refused && refused.answer.kind === 'refused') return refusedError(refused.url, refused.answer.status);
  const missing = files.filter(({ answer }) => answer.kind === 'missing');
  if (missing.length === 0) return undefined;
  const base = baseOf(missing[0] as { file: string; url: string });
  const where = withoutSlash(base);
  const config = missing.find(({ file }) => file === 'config.json');
  if (config) {
    if (new URL(base).pathname.endsWith('/onnx/')) {
      const parent = new URL('../', base).href;
      if ((await probe(new URL('config.json', parent).href)).kind === 'there') return failed(modelSourceWords.onnxFolder(where, withoutSlash(parent)));
    }
    return failed(`No model folder at ${where}: ${config.url} answered ${said(config.answer)}, so config.json is missing. Is this a model folder? It must hold ${CONFIG_FILES.join(', ')} and onnx/.`);
  }
  const missingConfig = missing.filter(({ file }) => CONFIG_FILES.includes(file)).map(({ file }) => file);
  if (missingConfig.length > 0) return failed(modelSourceWords.missingFiles(where, missingConfig));
  const onnx = missing.find(({ file }) => dtypeOfFile(file) !== undefined);
  if (onnx) {
    const wanted = dtypeOfFile(onnx.file) as Dtype;
    const others = (Object.keys(ONNX_FILE) as Dtype[]).filter((dtype) => dtype !== wanted);
    const answers = await Promise.all(others.map((dtype) => probe(new URL(ONNX_FILE[dtype], base).href)));
    // Only what the server answered for sure: a dtype it would not say about is left out.
    const known = answers.every((answer) => answer.kind === 'there' || answer.kind === 'missing');
    const has = others.filter((_, index) => answers[index]?.kind === 'there');
    return failed(modelSourceWords.missingDtype(where, [wanted], known || has.length > 0 ? has : undefined, (dtype) => `choose dtype '${dtype}'`));
  }
  const [weights] = missing;
  return failed(modelSourceWords.missingWeights(where, (weights as { file: string }).file));
}

/** The error for a 401/403: the URL, the status, and what to do. */
export function refusedError(url: string, status: number): RerankError {
  return failed(
    `${url} answered ${status} (${status === 401 ? 'Unauthorized' : 'Forbidden'}): the model's files need credentials this page does not send (a private or gated repository, or a server behind a login). Make them readable without credentials, for example a copy on your own origin, and point the model's source there.`,
  );
}

function said(answer: FileAnswer): string {
  if (answer.kind !== 'missing') return 'nothing usable';
  return answer.html ? 'with an HTML page (a dev server answers unknown paths with its index.html)' : `${answer.status} (${answer.status === 404 ? 'Not Found' : 'Gone'})`;
}

/** The folder URL a file's URL sits in, given its path in the layout (`onnx/model.onnx` → two levels up). */
function baseOf({ file, url }: { file: string; url: string }): string {
  return url.endsWith(file) ? url.slice(0, url.length - file.length) : new URL('./', url).href;
}

function withoutSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

function failed(message: string): RerankError {
  return new RerankError('model_load_failed', message);
}
