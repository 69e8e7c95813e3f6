/**
 * Seeded benchmark workloads: one query and documents of known token lengths.
 *
 * Documents are built from lowercase words the stand-in vocabulary holds whole, so a document of
 * n words is n tokens (the runner checks this against the model's tokenizer before it measures).
 * Every pair stays under 512 tokens, so neither webrerank nor the transformers.js recipe truncates
 * anything and their fp32 scores must agree.
 */
import { COMMON_ENGLISH_WORDS } from '../tools/standin/english-words.js';
import { seededRandom } from '../test/kit/documents.js';

/** A query and its documents, plus the token lengths the documents were built to. */
export interface Workload {
  name: string;
  query: string;
  documents: string[];
  /** Tokens of each document (no special tokens), as generated. */
  documentTokens: number[];
}

/** The query every workload uses: 12 tokens. */
export const BENCH_QUERY = 'how does a neural network learn to rank the best answer to a question';

const WORDS = COMMON_ENGLISH_WORDS.filter((word) => /^[a-z]{2,}$/.test(word));

/** `count` documents with token lengths drawn uniformly from `minTokens..maxTokens`. */
export function makeWorkload(name: string, count: number, minTokens: number, maxTokens: number, seed: number): Workload {
  // Seeded: the same documents in Node and in a browser.
  const random = seededRandom(seed);
  const documentTokens: number[] = [];
  const documents: string[] = [];
  for (let index = 0; index < count; index++) {
    const length = minTokens + Math.floor(random() * (maxTokens - minTokens + 1));
    documentTokens.push(length);
    documents.push(Array.from({ length }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' '));
  }
  return { name, query: BENCH_QUERY, documents, documentTokens };
}

/** The workloads: 40 documents (the recipe survives it in WASM) and 100 (it does not). */
export const WORKLOADS = {
  docs40: () => makeWorkload('docs40', 40, 16, 480, 40),
  docs100: () => makeWorkload('docs100', 100, 16, 480, 100),
  /** The full-size model's check: 20 documents of about 256 tokens. */
  docs20x256: () => makeWorkload('docs20x256', 20, 240, 272, 20),
} as const;

export type WorkloadName = keyof typeof WORKLOADS;

/** Tokenizes each workload with the model's tokenizer: documents must be exactly the lengths built. */
export async function checkWorkloadTokens(modelDir: string, log: (line: string) => void) {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  const tokenizer = await AutoTokenizer.from_pretrained(modelDir);
  const report: Record<string, unknown> = {};
  for (const name of Object.keys(WORKLOADS) as WorkloadName[]) {
    const workload = WORKLOADS[name]();
    const actual = workload.documents.map((text) => tokenizer.encode(text, { add_special_tokens: false }).length);
    const exact = actual.every((length, index) => length === workload.documentTokens[index]);
    report[name] = {
      documents: workload.documents.length,
      query_tokens: tokenizer.encode(workload.query, { add_special_tokens: false }).length,
      document_tokens_min: Math.min(...actual),
      document_tokens_max: Math.max(...actual),
      document_tokens_total: actual.reduce((sum, length) => sum + length, 0),
      exact,
    };
    if (!exact) log(`  warning: ${name}'s documents do not tokenize to the lengths they were built to`);
  }
  return report;
}
