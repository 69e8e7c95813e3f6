/**
 * The stand-in's tokenizer twice, both with the reference's text pipeline as the engine installs it:
 * with transformers.js' own Unigram search, and with the word tokenizer installed.
 */
import { AutoTokenizer, env as transformersEnv } from '@huggingface/transformers';
import { cacheUnigramWords } from '../../src/engine/unigram-word-cache.js';
import { matchReferenceTokenization } from '../../src/engine/reference-tokenization.js';

export type Encoder = { encode(text: string, options: { add_special_tokens: boolean }): number[] };

export interface TokenizerPair {
  plain: Encoder;
  cached: Encoder;
  /** Whether the word tokenizer took (it does for the XLM-R layout). */
  installed: boolean;
}

export async function loadTokenizerPair(modelPath: string): Promise<TokenizerPair> {
  transformersEnv.allowRemoteModels = false;
  const plain = (await AutoTokenizer.from_pretrained(modelPath)) as unknown as Encoder;
  const cached = (await AutoTokenizer.from_pretrained(modelPath)) as unknown as Encoder;
  matchReferenceTokenization(plain);
  matchReferenceTokenization(cached);
  return { plain, cached, installed: cacheUnigramWords(cached) };
}
