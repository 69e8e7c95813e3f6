/**
 * A word cache for Unigram tokenizers (XLM-R's, so bge-reranker-v2-m3's).
 *
 * transformers.js hands Unigram the whole pre-tokenized text ("▁the▁cat▁sat") and runs its Viterbi
 * search over all of it, every time: with a 250k vocabulary that costs as much as a small model's
 * inference (figures: README "Performance", bench/results/). The Rust tokenizers library (what FlagReranker runs)
 * splits at each "▁" when the Metaspace pre-tokenizer says `split: true`, searches word by word,
 * and caches words. Text repeats its words, so this module does the same.
 *
 * It is only installed where splitting cannot change the result: a Metaspace pre-tokenizer with
 * `split: true`, and no vocabulary piece with "▁" anywhere but its start — then no piece can span
 * two words, and the best path through the text is the best path through each word in turn.
 */

const WORD_START = '\u2581';
/** Distinct words kept; past it the cache starts over (a rerank rarely has more than a few thousand). */
const MAX_CACHED_WORDS = 50_000;
/** Longer "words" (URLs, base64) rarely repeat and would only fill the cache. */
const MAX_CACHED_WORD_LENGTH = 64;

interface UnigramModel {
  vocab: string[];
  tokenize(normalized: string): string[];
  populate_nodes(lattice: unknown): void;
}

interface WrappedTokenizer {
  _tokenizer?: { model?: Partial<UnigramModel>; tokenizer?: { pre_tokenizer?: unknown } };
}

/**
 * Makes `tokenizer` (a transformers.js tokenizer) tokenize word by word with a cache, when its
 * model is Unigram and that gives the same tokens. Returns whether it did.
 */
export function cacheUnigramWords(tokenizer: unknown): boolean {
  const inner = (tokenizer as WrappedTokenizer)._tokenizer;
  const model = inner?.model;
  if (!model || typeof model.tokenize !== 'function' || typeof model.populate_nodes !== 'function' || !Array.isArray(model.vocab)) return false;
  if (!splitsAtWordStarts(inner.tokenizer?.pre_tokenizer)) return false;
  if (model.vocab.some((piece) => typeof piece === 'string' && piece.indexOf(WORD_START, 1) !== -1)) return false;

  const search = model.tokenize.bind(model);
  const cache = new Map<string, readonly string[]>();
  const tokenizeWord = (word: string): readonly string[] => {
    if (word.length > MAX_CACHED_WORD_LENGTH) return search(word);
    let pieces = cache.get(word);
    if (pieces === undefined) {
      pieces = search(word);
      if (cache.size >= MAX_CACHED_WORDS) cache.clear();
      cache.set(word, pieces);
    }
    return pieces;
  };
  model.tokenize = (normalized: string): string[] => {
    const pieces: string[] = [];
    let start = 0;
    while (start < normalized.length) {
      let end = normalized.indexOf(WORD_START, start + 1);
      if (end === -1) end = normalized.length;
      for (const piece of tokenizeWord(normalized.slice(start, end))) pieces.push(piece);
      start = end;
    }
    return pieces;
  };
  return true;
}

/** Whether the pre-tokenizer (or one in its sequence) is a Metaspace that splits at "▁". */
function splitsAtWordStarts(config: unknown): boolean {
  if (!config || typeof config !== 'object') return false;
  const { type, split, replacement, pretokenizers } = config as { type?: string; split?: boolean; replacement?: string; pretokenizers?: unknown[] };
  if (type === 'Metaspace') return split !== false && replacement === WORD_START;
  if (type === 'Sequence' && Array.isArray(pretokenizers)) return pretokenizers.some(splitsAtWordStarts);
  return false;
}
