/**
 * The demo page's pure helpers: the curl command it copies (quoted for a POSIX shell, checked by
 * a real `sh`) and how it recognizes a stand-in model from its config.json.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { curlCommand, serveCommand, shellQuote } from '../../demo/src/curl.js';
import { cardFromConfig } from '../../demo/src/model-card.js';
import { buildModelConfig, presets } from '../../tools/standin/model-config.js';

const run = promisify(execFile);

/** The words `sh` makes of `script`'s arguments to `words`, each ended by a NUL. */
async function shellWords(script: string): Promise<string[]> {
  const { stdout } = await run('sh', ['-c', `words() { for word in "$@"; do printf '%s\\0' "$word"; done; }\n${script}`]);
  return stdout.split('\0').slice(0, -1);
}

describe('the demo\'s copy as curl', () => {
  it('quotes any text so that the shell passes it through unchanged', async () => {
    const texts = fc.sample(fc.string({ unit: 'grapheme', maxLength: 40 }).filter((text) => !text.includes('\0')), { numRuns: 200, seed: 7 });
    texts.push(`it's`, `'`, `''`, '$HOME `id` $(id) \\ "x" !x *', 'line one\nline two');
    expect(await shellWords(`words ${texts.map(shellQuote).join(' ')}`)).toEqual(texts);
  });

  it('posts the exact request as JSON to the server\'s /v1/rerank', async () => {
    const request = { model: 'webrerank/standin-tiny', query: "What's new?", documents: [`It's "$5" \`now\``, 'über 機械学習'] };
    const words = await shellWords(curlCommand('http://127.0.0.1:9000/', request).replace(/^curl/, 'words'));
    expect(words.slice(0, 2)).toEqual(['-sS', 'http://127.0.0.1:9000/v1/rerank']);
    expect(words.slice(2, 4)).toEqual(['-H', 'Content-Type: application/json']);
    expect(words[4]).toBe('-d');
    expect(JSON.parse(words[5] as string)).toEqual(request);
  });

  it('names the serve command that answers it: the demo folder for a local model, the port when not the default', () => {
    expect(serveCommand('http://127.0.0.1:8080', { id: 'BAAI/bge-reranker-v2-m3' })).toBe('npx webrerank serve');
    expect(serveCommand('http://127.0.0.1:9000', { id: 'webrerank/standin-tiny', demoPath: 'models/standin-tiny' })).toBe(
      "npx webrerank serve --model-path 'demo/public/models/standin-tiny' --model 'webrerank/standin-tiny' --port 9000",
    );
  });
});

describe('the demo\'s stand-in notice', () => {
  it('recognizes a stand-in by the record its generator writes into config.json, with its dtypes', () => {
    const config = buildModelConfig(presets.tiny.dimensions, { seed: 1, preset: 'tiny', dtypes: ['fp32', 'q8'], externalData: [], generatorVersion: 1, note: 'random weights' });
    expect(cardFromConfig(config)).toEqual({ standin: true, dtypes: ['q8', 'fp32'] });
  });

  it('takes a config without that record for a real model', () => {
    const { webrerank_standin: _record, ...real } = buildModelConfig(presets.tiny.dimensions, { seed: 1, preset: 'tiny', dtypes: ['fp32'], externalData: [], generatorVersion: 1, note: '' });
    expect(cardFromConfig(real)).toEqual({ standin: false });
    expect(cardFromConfig(null)).toEqual({ standin: false });
  });
});
