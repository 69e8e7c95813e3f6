/**
 * The differential test: webrerank against the reference pipeline FlagReranker, sentence-
 * transformers and TEI run — Hugging Face `tokenizers` (Rust) and onnxruntime, in Python — on the
 * stand-in's tokenizer.json (the real model's normalizer: sentencepiece's `nmt_nfkc` charsmap) and
 * ONNX files. Over 10,000 generated texts: ids identical, pairs identical at several max lengths,
 * scores equal end to end (fp32 within 1e-6; q8 pair by pair, as the engine runs it).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { scoreOf } from '../support/scores.js';
import type { CrossEncoder, CrossEncoderLoader } from '../../src/engine/cross-encoder.js';
import { loadCrossEncoder } from '../../src/engine/cross-encoder.js';
import { buildRequestPairs, pairLimits } from '../../src/engine/pairs.js';
import { isRerankError } from '../../src/core/errors.js';
import { createReranker } from '../../src/node.js';
import type { RerankEngine } from '../../src/engine/engine.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { REGRESSION_CASES, parityTexts, type ParityText } from '../../tools/reference/parity-texts.js';
import { runReference, type ReferenceResult } from '../support/reference-python.js';

const modelPath = inject('tinyModelDir');
const tokenizerPath = join(modelPath, 'tokenizer.json');
/** Pair lengths checked for ids; the stand-in takes up to 1024 tokens. */
const MAX_LENGTHS = [16, 64, 512, 1024] as const;
/** Pair lengths checked for scores. */
const SCORED_MAX_LENGTHS = [64, 512] as const;
const QUERIES = [
  'what does the quick brown fox jump over',
  'ｶﾞ ＜mask＞ \ufeffquery <mask> with </s> tokens',
  'a very long query about the lazy dog that keeps going with many words so that it is capped at three quarters of the pair length every time here',
  '한국어 질문 \u1100\u1161 and 日本語のクエリ 👨\u200d👩\u200d👧',
];

const texts: ParityText[] = parityTexts(MAX_LENGTHS);
let encoder: CrossEncoder;
let reference: ReferenceResult;
/** For each pairs request sent to the reference: its max length, query index and document indices. */
const pairRequests: { maxLength: number; query: number; documents: number[] }[] = [];

function capturingLoader(): CrossEncoderLoader {
  return async (entry, runtime, options) => (encoder = await loadCrossEncoder(entry, runtime, options));
}

function sameIds(left: readonly number[] | null | undefined, right: readonly number[] | null | undefined): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

/** Mismatch counts by family, and the first few mismatches, for the log and the failure message. */
function tally(label: string, mismatched: { family: string; detail: string }[], total: number): string {
  const byFamily = new Map<string, number>();
  for (const { family } of mismatched) byFamily.set(family, (byFamily.get(family) ?? 0) + 1);
  const families = [...byFamily].map(([family, count]) => `${family} ${count}`).join(', ');
  const line = `${label}: ${total - mismatched.length} of ${total} identical${mismatched.length > 0 ? ` (differ: ${families})` : ''}`;
  console.log(line);
  return [line, ...mismatched.slice(0, 5).map((item) => `  ${item.detail}`)].join('\n');
}

beforeAll(async () => {
  const reranker = await createReranker({ modelPath, dtype: 'fp32', loader: capturingLoader() });
  await reranker.rerank(HOSTED_EXAMPLE);
  await reranker.dispose();
  const documentsFor = (query: number): number[] => texts.map((_, index) => index).filter((index) => index % QUERIES.length === query);
  for (const maxLength of MAX_LENGTHS) {
    for (let query = 0; query < QUERIES.length; query++) pairRequests.push({ maxLength, query, documents: documentsFor(query) });
  }
  const regression = Object.values(REGRESSION_CASES).flat();
  reference = await runReference({
    tokenizer: tokenizerPath,
    texts: [...texts.map((item) => item.text), ...QUERIES, ...regression],
    pairs: pairRequests.map((request) => ({
      maxLength: request.maxLength,
      query: QUERIES[request.query] as string,
      documents: request.documents.map((index) => (texts[index] as ParityText).text),
    })),
  });
  console.log(`reference: ${texts.length} texts, ${pairRequests.reduce((sum, request) => sum + request.documents.length, 0)} pairs at max lengths ${MAX_LENGTHS.join(', ')}`);
}, 600_000);

describe('tokenization against Hugging Face tokenizers', () => {
  it('gives the same ids as the reference for every generated text', () => {
    expect(texts.length).toBeGreaterThanOrEqual(10_000);
    const mismatched: { family: string; detail: string }[] = [];
    texts.forEach(({ family, text }, index) => {
      const ours = encoder.encode(text);
      const theirs = reference.ids[index];
      if (!sameIds(ours, theirs)) mismatched.push({ family, detail: `${family} ${JSON.stringify(text.slice(0, 80))}: ${JSON.stringify(ours.slice(0, 12))} vs ${JSON.stringify(theirs?.slice(0, 12))}` });
    });
    const report = tally('ids', mismatched, texts.length);
    expect(mismatched, report).toEqual([]);
  }, 300_000);

  it('builds the same pairs as FlagReranker on the reference tokenizer at every max length, long texts included', () => {
    const mismatched: { family: string; detail: string }[] = [];
    let total = 0;
    pairRequests.forEach((request, requestIndex) => {
      const query = QUERIES[request.query] as string;
      const documents = request.documents.map((index) => (texts[index] as ParityText).text);
      const expected = reference.pairs[requestIndex] ?? [];
      total += documents.length;
      let ours: (number[] | null)[];
      try {
        ours = buildRequestPairs(encoder.encode, query, documents, { template: encoder.template, limits: pairLimits(request.maxLength), maxChunks: 1 }).pairs;
      } catch (error) {
        // The query leaves no room: the reference agrees when it built no pair either.
        if (!isRerankError(error) || error.code !== 'query_too_long') throw error;
        ours = documents.map(() => null);
      }
      ours.forEach((pair, position) => {
        if (sameIds(pair, expected[position])) return;
        const index = request.documents[position] as number;
        const family = (texts[index] as ParityText).family;
        mismatched.push({ family, detail: `max ${request.maxLength}, query ${request.query}, ${family} #${index}: ${JSON.stringify(pair?.slice(-8))} vs ${JSON.stringify(expected[position]?.slice(-8))}` });
      });
    });
    const report = tally('pairs', mismatched, total);
    expect(mismatched, report).toEqual([]);
  }, 300_000);

  describe('regression cases', () => {
    const regressionStart = texts.length + QUERIES.length;
    let offset = 0;
    for (const [name, cases] of Object.entries(REGRESSION_CASES)) {
      const start = offset;
      offset += cases.length;
      it(name, () => {
        cases.forEach((text, position) => {
          expect(encoder.encode(text), JSON.stringify(text)).toEqual(reference.ids[regressionStart + start + position]);
        });
      });
    }
  });
});

describe.each([
  ['fp32', 1e-6, 6],
  ['q8', 1e-6, 40],
] as const)('scores against Python onnxruntime, %s', (dtype, tolerance, everyNth) => {
  const rerankers = new Map<number, RerankEngine>();

  beforeAll(async () => {
    for (const maxLength of SCORED_MAX_LENGTHS) rerankers.set(maxLength, await createReranker({ modelPath, dtype, maxLength }));
  }, 120_000);
  afterAll(async () => {
    for (const reranker of rerankers.values()) await reranker.dispose();
  });

  it(`equals the reference pipeline's scores within ${tolerance}, end to end from the texts`, async () => {
    const model = join(modelPath, 'onnx', dtype === 'fp32' ? 'model.onnx' : 'model_quantized.onnx');
    const requests = SCORED_MAX_LENGTHS.flatMap((maxLength) =>
      [0, 1, 3].map((query) => ({
        maxLength,
        query: QUERIES[query] as string,
        documents: texts.filter((_, index) => index % everyNth === query % everyNth).map((item) => item.text).slice(0, 1000),
      })),
    );
    const theirs = await runReference({ tokenizer: tokenizerPath, scores: requests.map((request) => ({ model, ...request })) });
    let total = 0;
    let worst = 0;
    for (const [requestIndex, request] of requests.entries()) {
      const reranker = rerankers.get(request.maxLength) as RerankEngine;
      const response = await reranker.rerank({ model: HOSTED_EXAMPLE.model, query: request.query, documents: request.documents });
      for (const result of response.results) {
        const expected = theirs.scores[requestIndex]?.[result.index] as number;
        worst = Math.max(worst, Math.abs(scoreOf(result) - expected));
        total++;
      }
    }
    console.log(`scores ${dtype}: ${total} pairs at max lengths ${SCORED_MAX_LENGTHS.join(', ')}, largest difference ${worst.toExponential(2)}`);
    expect(total).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(tolerance);
  }, 600_000);
});
