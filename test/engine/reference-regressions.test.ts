/**
 * One named case per way transformers.js' own tokenizer was seen to differ from Hugging Face
 * `tokenizers` (Rust). Each case must match the reference through webrerank's pipeline, and must
 * come out otherwise — normalized text or ids — through transformers.js' pipeline alone on the
 * same file, so that every case guards something. The files are the stand-in's tokenizer.json
 * (the real model's charsmap) and a copy that asks for NFKC, both with a piece for every
 * character the cases use (otherwise kana, jamo or emoji are all `<unk>`).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer, env as transformersEnv } from '@huggingface/transformers';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createReranker } from '../../src/node.js';
import { standinModelId } from '../../src/core/standin.js';
import { referenceNormalizer, type TextNormalizer } from '../../src/engine/reference-normalizer.js';
import { matchReferenceTokenization, unmatchedTokenizationWarning } from '../../src/engine/reference-tokenization.js';
import { cacheUnigramWords } from '../../src/engine/unigram-word-cache.js';
import { NFKC_REGRESSION_CASES, REGRESSION_CASES } from '../../tools/reference/parity-texts.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { runReference, type ReferenceResult } from '../support/reference-python.js';
import { widenTokenizer } from '../support/wide-tokenizer.js';

const modelPath = inject('tinyModelDir');

type Tokenizer = { encode(text: string, options: { add_special_tokens: boolean }): number[]; _tokenizer: { normalizer: TextNormalizer } };

/** One tokenizer.json, through webrerank's pipeline and transformers.js' alone, and the reference's answers. */
interface Subject {
  normalize: TextNormalizer;
  webrerank: Tokenizer;
  transformersAlone: Tokenizer;
  texts: string[];
  reference: ReferenceResult;
}

let folder: string;
const subjects = new Map<string, Subject>();

async function loadTokenizer(path: string): Promise<Tokenizer> {
  transformersEnv.allowRemoteModels = false;
  return (await AutoTokenizer.from_pretrained(path)) as unknown as Tokenizer;
}

async function subject(name: string, normalizerConfig: unknown, cases: Readonly<Record<string, readonly string[]>>): Promise<Subject> {
  const normalize = referenceNormalizer(normalizerConfig) as TextNormalizer;
  const texts = Object.values(cases).flat();
  const characters = new Set([...texts, ...texts.map(normalize)].flatMap((text) => [...text]));
  const path = widenTokenizer(modelPath, characters, join(folder, name), { normalizer: normalizerConfig });
  const webrerank = await loadTokenizer(path);
  expect(matchReferenceTokenization(webrerank)).toBe(true);
  // As the engine runs it: word by word with a cache.
  cacheUnigramWords(webrerank);
  const reference = await runReference({ tokenizer: join(path, 'tokenizer.json'), texts });
  return { normalize, webrerank, transformersAlone: await loadTokenizer(path), texts, reference };
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'webrerank-regressions-'));
  const standin = JSON.parse(readFileSync(join(modelPath, 'tokenizer.json'), 'utf8')) as { normalizer: unknown };
  subjects.set('charsmap', await subject('charsmap', standin.normalizer, REGRESSION_CASES));
  subjects.set('nfkc', await subject('nfkc', { type: 'NFKC' }, NFKC_REGRESSION_CASES));
}, 120_000);

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe.each([
  ['charsmap', REGRESSION_CASES],
  ['nfkc', NFKC_REGRESSION_CASES],
] as const)('regression cases on the %s tokenizer: webrerank matches the reference where transformers.js alone does not', (name, cases) => {
  for (const [title, texts] of Object.entries(cases)) {
    it(title, () => {
      const { normalize, webrerank, transformersAlone, texts: all, reference } = subjects.get(name) as Subject;
      for (const text of texts) {
        const index = all.indexOf(text);
        const expected = { normalized: reference.normalized[index], ids: reference.ids[index] };
        expect({ normalized: normalize(text), ids: webrerank.encode(text, { add_special_tokens: false }) }, JSON.stringify(text)).toEqual(expected);
        const alone = { normalized: transformersAlone._tokenizer.normalizer(text), ids: transformersAlone.encode(text, { add_special_tokens: false }) };
        expect(alone, `transformers.js alone agrees with the reference on ${JSON.stringify(text)}: the case guards nothing`).not.toEqual(expected);
      }
    });
  }
});

describe('a tokenizer.json webrerank cannot tokenize as the reference does', () => {
  afterEach(() => vi.restoreAllMocks());

  it('warns once, naming the model, and still reranks with transformers.js\' tokenizer', async () => {
    const path = widenTokenizer(modelPath, [], join(folder, 'whitespace-split'), { pre_tokenizer: { type: 'WhitespaceSplit' } });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const reranker = await createReranker({ modelPath: path, dtype: 'fp32' });
    try {
      const response = await reranker.rerank(HOSTED_EXAMPLE);
      expect(response.results).toHaveLength(HOSTED_EXAMPLE.documents.length);
      const config = JSON.parse(readFileSync(join(path, 'config.json'), 'utf8')) as unknown;
      expect(warn.mock.calls.map(([message]) => message)).toEqual([unmatchedTokenizationWarning(standinModelId(config) as string)]);
    } finally {
      await reranker.dispose();
    }
  });
});
