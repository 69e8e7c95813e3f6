/**
 * Reproducible English-like documents for tests: seeded, so a failure can be replayed exactly.
 */
import { mulberry32 } from '../../tools/standin/prng.js';

const WORDS = (
  'the model ranks documents by relevance to a query search engine retrieval machine learning data ' +
  'neural network weather forecast rain sunny pizza italian food market stock price city river ' +
  'mountain history science music art language computer program code fast slow small large new old ' +
  'good bad people time year day week world country government school student teacher book page'
).split(' ');

/** Uniform numbers in [0, 1) from a seed: the stand-in model's own generator. */
export function seededRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** A sentence-like text of exactly `count` words. */
export function words(count: number, random: () => number): string {
  return Array.from({ length: count }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
}

/** `count` documents of `minWords`..`maxWords` words each. */
export function mixedDocuments(count: number, minWords: number, maxWords: number, seed = 1): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => words(minWords + Math.floor(random() * (maxWords - minWords + 1)), random));
}

/** The hosted API's documented example request (../shared/API.md). */
export const HOSTED_EXAMPLE = {
  model: 'BAAI/bge-reranker-v2-m3',
  query: 'What is machine learning?',
  documents: [
    'Machine learning is a subset of artificial intelligence.',
    'The weather today is sunny.',
    'Deep learning uses neural networks.',
    'Pizza is a popular Italian food.',
  ],
};
