/**
 * The differential test: webrerank against the reference pipeline FlagReranker, sentence-
 * transformers and TEI run — Hugging Face `tokenizers` (Rust) and onnxruntime, in Python — on the
 * stand-in's tokenizer.json (the real model's normalizer: sentencepiece's `nmt_nfkc` charsmap) and
 * ONNX files. Over 10,000 generated texts: normalized strings identical; ids identical on the
 * stand-in's tokenizer widened by a piece for each character the texts use (test/support/
 * wide-tokenizer.ts: otherwise CJK, kana, Hangul or emoji would all be `<unk>` and hide a
 * difference); pairs identical at several max lengths, and to the token at each truncation
 * boundary; scores equal end to end on the stand-in itself (fp32 within 1e-6; q8 pair by pair,
 * as the engine runs it).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { scoreOf } from '../support/scores.js';
import type { CrossEncoder, CrossEncoderLoader } from '../../src/engine/cross-encoder.js';
import { loadCrossEncoder } from '../../src/engine/cross-encoder.js';
import { buildRequestPairs, pairLimits } from '../../src/engine/pairs.js';
import { referenceNormalizer, type TextNormalizer } from '../../src/engine/reference-normalizer.js';
import { isRerankError } from '../../src/core/errors.js';
import { createReranker } from '../../src/node.js';
import type { RerankEngine } from '../../src/engine/engine.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { BOUNDARY_SCRIPTS, boundaryWords, parityTexts, type ParityText } from '../../tools/reference/parity-texts.js';
import { runReference, type ReferenceResult } from '../support/reference-python.js';
import { truncationBoundaries, type BoundaryCases } from '../support/truncation-boundaries.js';
import { widenTokenizer } from '../support/wide-tokenizer.js';

const modelPath = inject('tinyModelDir');
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

const texts: ParityText[] = parityTexts();
/** The folder of the stand-in with a piece for every character the texts use (ids and pairs are checked on it). */
let wideModel: string;
let encoder: CrossEncoder;
let normalize: TextNormalizer;
let boundaries: BoundaryCases;
let reference: ReferenceResult;
/** Every text sent to the reference, in order; `family` names where it came from. */
let checked: ParityText[];
/** Each pairs request sent to the reference, with each document's family. */
let pairRequests: { maxLength: number; query: string; documents: string[]; families: string[] }[];

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
  const line = `${label}: ${total - mismatched.length} of ${total} identical, ${mismatched.length} mismatched${mismatched.length > 0 ? ` (${families})` : ''}`;
  console.log(line);
  return [line, ...mismatched.slice(0, 5).map((item) => `  ${item.detail}`)].join('\n');
}

/** Every character of `strings`, each once. */
function charactersOf(strings: Iterable<string>): Set<string> {
  const characters = new Set<string>();
  for (const text of strings) for (const character of text) characters.add(character);
  return characters;
}

let workFolder: string;

beforeAll(async () => {
  const tokenizerJson = JSON.parse(readFileSync(join(modelPath, 'tokenizer.json'), 'utf8')) as { normalizer: unknown };
  normalize = referenceNormalizer(tokenizerJson.normalizer) as TextNormalizer;
  expect(normalize).toBeTypeOf('function');
  // A piece for each character of the texts and of what they normalize to — except the random code
  // points', so that runs of unknown characters stay covered too.
  const pools = boundaryWords();
  const covered = [...texts.filter((item) => item.family !== 'random-code-points').map((item) => item.text), ...QUERIES, ...BOUNDARY_SCRIPTS.flatMap((script) => pools[script])];
  workFolder = mkdtempSync(join(tmpdir(), 'webrerank-parity-'));
  wideModel = widenTokenizer(modelPath, charactersOf([...covered, ...covered.map(normalize)]), join(workFolder, 'model'));
  const wideTokenizer = join(wideModel, 'tokenizer.json');
  boundaries = await truncationBoundaries(wideTokenizer, QUERIES, MAX_LENGTHS);

  const reranker = await createReranker({ modelPath: wideModel, dtype: 'fp32', loader: capturingLoader() });
  await reranker.rerank(HOSTED_EXAMPLE);
  await reranker.dispose();

  checked = [
    ...texts,
    ...boundaries.sized.map(({ text }) => ({ family: 'boundary', text })),
    ...QUERIES.map((text) => ({ family: 'query', text })),
  ];
  pairRequests = [];
  for (const maxLength of MAX_LENGTHS) {
    for (const [queryIndex, query] of QUERIES.entries()) {
      const documents = texts.filter((_, index) => index % QUERIES.length === queryIndex);
      pairRequests.push({ maxLength, query, documents: documents.map((item) => item.text), families: documents.map((item) => item.family) });
    }
  }
  for (const request of boundaries.requests) pairRequests.push({ ...request, families: request.documents.map(() => 'boundary') });
  reference = await runReference({
    tokenizer: wideTokenizer,
    texts: checked.map((item) => item.text),
    pairs: pairRequests.map(({ maxLength, query, documents }) => ({ maxLength, query, documents })),
  });
  const pairCount = pairRequests.reduce((sum, request) => sum + request.documents.length, 0);
  console.log(`reference: ${checked.length} texts (${boundaries.sized.length} sized to a truncation boundary), ${pairCount} pairs at max lengths ${MAX_LENGTHS.join(', ')}`);
}, 600_000);

afterAll(() => rmSync(workFolder, { recursive: true, force: true }));

describe('tokenization against Hugging Face tokenizers', () => {
  it('normalizes every generated text as the reference normalizer does, whatever its script', () => {
    expect(texts.length).toBeGreaterThanOrEqual(10_000);
    const mismatched: { family: string; detail: string }[] = [];
    checked.forEach(({ family, text }, index) => {
      const ours = normalize(text);
      const theirs = reference.normalized[index];
      if (ours !== theirs) mismatched.push({ family, detail: `${family} ${JSON.stringify(text.slice(0, 60))}: ${JSON.stringify(ours.slice(0, 60))} vs ${JSON.stringify(theirs?.slice(0, 60))}` });
    });
    const report = tally('normalized', mismatched, checked.length);
    expect(mismatched, report).toEqual([]);
  }, 300_000);

  it('gives the same ids as the reference for every generated text', () => {
    const mismatched: { family: string; detail: string }[] = [];
    checked.forEach(({ family, text }, index) => {
      const ours = encoder.encode(text);
      const theirs = reference.ids[index];
      if (!sameIds(ours, theirs)) mismatched.push({ family, detail: `${family} ${JSON.stringify(text.slice(0, 80))}: ${JSON.stringify(ours.slice(0, 12))} vs ${JSON.stringify(theirs?.slice(0, 12))}` });
    });
    const report = tally('ids', mismatched, checked.length);
    expect(mismatched, report).toEqual([]);
  }, 300_000);

  it('has texts and queries of exactly one token below, at and above each truncation boundary', () => {
    const offset = texts.length;
    const missed = boundaries.sized.filter(({ tokens }, index) => reference.ids[offset + index]?.length !== tokens);
    console.log(`boundaries: ${boundaries.sized.length} texts sized to the token, ${boundaries.requests.length} requests, ${missed.length} off target`);
    expect(missed.map(({ label }) => label)).toEqual([]);
  });

  it('builds the same pairs as FlagReranker on the reference tokenizer at every max length and boundary', () => {
    const mismatched: { family: string; detail: string }[] = [];
    let total = 0;
    pairRequests.forEach((request, requestIndex) => {
      const expected = reference.pairs[requestIndex] ?? [];
      total += request.documents.length;
      let ours: (number[] | null)[];
      try {
        ours = buildRequestPairs(encoder.encode, request.query, request.documents, { template: encoder.template, limits: pairLimits(request.maxLength), maxChunks: 1 }).pairs;
      } catch (error) {
        // The query leaves no room: the reference agrees when it built no pair either.
        if (!isRerankError(error) || error.code !== 'query_too_long') throw error;
        ours = request.documents.map(() => null);
      }
      ours.forEach((pair, position) => {
        if (sameIds(pair, expected[position])) return;
        const family = request.families[position] as string;
        mismatched.push({ family, detail: `max ${request.maxLength}, query ${JSON.stringify(request.query.slice(0, 30))}, ${family} #${position}: ${JSON.stringify(pair?.slice(-8))} vs ${JSON.stringify(expected[position]?.slice(-8))}` });
      });
    });
    const report = tally('pairs', mismatched, total);
    expect(mismatched, report).toEqual([]);
  }, 300_000);
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
    const theirs = await runReference({ tokenizer: join(modelPath, 'tokenizer.json'), scores: requests.map((request) => ({ model, ...request })) });
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
