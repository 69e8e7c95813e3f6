/** The stand-in's tokenizer twice: as transformers.js loads it, and with the Unigram word tokenizer installed. */
import { AutoTokenizer, env as transformersEnv } from '@huggingface/transformers';
import { cacheUnigramWords } from '../../src/engine/unigram-word-cache.js';

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
  return { plain, cached, installed: cacheUnigramWords(cached) };
}
