/**
 * A local model folder's mistakes are named in plain words — in the library, and by `webrerank
 * serve`, which exits 2 before listening instead of starting a server that stays failed.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RerankError } from '../../src/core/errors.js';
import { DEFAULT_MODEL_ID } from '../../src/core/models.js';
import { checkModelFolder } from '../../src/node/model-folder.js';
import { createReranker } from '../../src/node/create-node-reranker.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { runCli } from '../support/cli.js';

const modelPath = inject('tinyModelDir');
let scratch: string;
let fp32Only: string;
let noTokenizer: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'webrerank-folder-'));
  fp32Only = join(scratch, 'fp32-only');
  await cp(modelPath, fp32Only, { recursive: true });
  await rm(join(fp32Only, 'onnx', 'model_quantized.onnx'));
  noTokenizer = join(scratch, 'no-tokenizer');
  await cp(modelPath, noTokenizer, { recursive: true });
  await rm(join(noTokenizer, 'tokenizer.json'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function problem(folder: string, dtypes: ('q8' | 'fp32' | 'fp16')[] = ['q8']): Promise<string> {
  const error = await checkModelFolder(folder, dtypes).then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(RerankError);
  expect((error as RerankError).code).toBe('model_unavailable');
  return (error as RerankError).message;
}

describe('a model folder that cannot serve', () => {
  it('says the folder does not exist', async () => {
    expect(await problem(join(scratch, 'nope'))).toBe(`No model folder at ${join(scratch, 'nope')}: it does not exist.`);
  });

  it('says an .onnx file was given, and names the folder to give instead', async () => {
    expect(await problem(join(modelPath, 'onnx', 'model.onnx'))).toBe(`${join(modelPath, 'onnx', 'model.onnx')} is a file, not a model folder: give the model's folder, ${modelPath}.`);
  });

  it('says the onnx/ folder was given instead of its parent', async () => {
    expect(await problem(join(modelPath, 'onnx'))).toBe(`${join(modelPath, 'onnx')} is the model's onnx/ folder: give its parent, ${modelPath}.`);
  });

  it('says a folder with none of the files is not a model folder', async () => {
    expect(await problem(scratch)).toMatch(/is not a model folder: it has none of config\.json, tokenizer_config\.json, tokenizer\.json, onnx\/model\*\.onnx/);
  });

  it('names the missing required file', async () => {
    expect(await problem(noTokenizer)).toBe(`${noTokenizer} lacks tokenizer.json, which every model folder needs.`);
  });

  it('names the missing dtype file and the dtypes the folder has', async () => {
    expect(await problem(fp32Only)).toBe(`No onnx/model_quantized.onnx in ${fp32Only}; this folder has fp32 only: --dtype fp32.`);
  });

  it('passes a folder that has the asked dtype', async () => {
    await expect(checkModelFolder(fp32Only, ['fp32'])).resolves.toBeUndefined();
  });

  it('reaches the library caller as the same words, without transformers.js text', async () => {
    const error = await createReranker({ modelPath: fp32Only }).then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(RerankError);
    expect((error as RerankError).message).toContain(`No onnx/model_quantized.onnx in ${fp32Only}; this folder has fp32 only`);
    expect((error as RerankError).message).not.toMatch(/local_files_only|allowRemoteModels/);
  });

  it('makes `webrerank rank` exit 2 with 503 model_unavailable in the same words', async () => {
    const { code, stderr } = await runCli(['rank', '--model-path', join(modelPath, 'onnx')], JSON.stringify(HOSTED_EXAMPLE));
    expect(code).toBe(2);
    const { error } = JSON.parse(stderr) as { error: { status: number; message: string } };
    expect(error.status).toBe(503);
    expect(error.message).toContain(`is the model's onnx/ folder: give its parent, ${modelPath}`);
  });
});

describe('webrerank serve --model-path', () => {
  it.each([
    ['a path that does not exist', () => join(scratch, 'nope'), /--model-path: No model folder at .*nope: it does not exist$/],
    ['a folder without the default q8 file', () => fp32Only, /--model-path: No onnx\/model_quantized\.onnx in .*fp32-only; this folder has fp32 only: --dtype fp32$/],
    ['a folder that is not a model', () => scratch, /--model-path: .* is not a model folder/],
  ])('exits 2 before listening for %s, naming the path and what is missing', async (_what, folder, line) => {
    const { code, stdout, stderr } = await runCli(['serve', '--model-path', folder(), '--port', '0']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.trimEnd()).toMatch(new RegExp(`^webrerank serve: ${line.source}`));
  });
});

describe('loading a model folder in Node', () => {
  it('reports progress whose total is known from the first event and never grows', async () => {
    const events: { total: number; fileCount: number }[] = [];
    const reranker = await createReranker({
      modelPath,
      onProgress: (event) => {
        if (event.status === 'progress') events.push({ total: event.total, fileCount: event.fileCount });
      },
    });
    await reranker.dispose();
    expect(events.length).toBeGreaterThan(0);
    const [first] = events;
    expect(first?.fileCount).toBe(4);
    expect(events.every((event) => event.total === first?.total && event.fileCount === 4)).toBe(true);
  });
});

describe('a model folder whose files are damaged', () => {
  it("says which kind of file is bad, with transformers.js' and onnxruntime's own text only in cause", async () => {
    const badJson = join(scratch, 'bad-json');
    await cp(modelPath, badJson, { recursive: true });
    await writeFile(join(badJson, 'config.json'), '{ "model_type": "xlm-roberta", ');
    const badOnnx = join(scratch, 'bad-onnx');
    await cp(modelPath, badOnnx, { recursive: true });
    await writeFile(join(badOnnx, 'onnx', 'model_quantized.onnx'), 'this is not an ONNX file');
    // A folder whose config can't be read can't say it is a stand-in, so it is served as the real id;
    // a stand-in's readable config gives its own.
    for (const [folder, id, reason] of [[badJson, DEFAULT_MODEL_ID, 'one of its JSON files is not valid JSON'], [badOnnx, 'webrerank/standin-tiny', 'its ONNX file is damaged or not an ONNX model']] as const) {
      const error = await createReranker({ modelPath: folder }).then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(RerankError);
      expect((error as RerankError).message).toContain(`Model "${id}" (q8) from ${folder} could not be loaded: ${reason}.`);
      expect((error as RerankError).message).not.toMatch(/SyntaxError|Unexpected|position|protobuf/i);
      expect((error as RerankError).cause).toBeDefined();
    }
  });
});
