/**
 * A word cache for Unigram tokenizers (XLM-R's, so bge-reranker-v2-m3's).
 *
 * transformers.js hands Unigram the whole pre-tokenized text ("▁the▁cat▁sat") and runs its Viterbi
 * search over all of it, every time: with a 250k vocabulary that costs as much as a small model's
 * inference (figures: docs/performance.md, bench/results/). The Rust tokenizers library (what FlagReranker runs)
 * splits at each "▁" when the Metaspace pre-tokenizer says `split: true`, searches word by word,
 * and caches words. Text repeats its words, so this module does the same.
 *
 * It is only installed where splitting cannot change the result: a Metaspace pre-tokenizer with
 * `split: true`, and no vocabulary piece with "▁" anywhere but its start — then no piece can span
 * two words, and the best path through the text is the best path through each word in turn.
 *
 * The same split lets a caller that keeps only the first N tokens (a pair keeps at most
 * `max_length`) stop early: {@link encodeWithTokenLimit} tokenizes words until N + 1 ids are
 * certain and stops, and a word longer than that (text without spaces, a base64 blob) is searched
 * only as far as its first pieces are proven (see unigram-lattice.ts). The ids are the same as the
 * whole text's, truncated; a 4 MB document costs about what its first few thousand characters do.
 */
import { normalizesLocally, safeCut } from './text-cut.js';
import { TwoGenerationCache } from './two-generation-cache.js';
import { prepareUnigramSearch, unigramPieces, unigramWordPrefix, type UnigramVocabulary } from './unigram-lattice.js';


const WORD_START = '\u2581';
/**
 * Words per cache generation; at most twice this many are held (~250 bytes each: ~2 MB). A rerank
 * rarely has more than a few thousand distinct words, and a common word, seen again within 4,096
 * new ones, stays through every turnover. The single 50,000-word map this replaces grew the heap by
 * ~12 MB before it was emptied — 5 % of a small server's memory (docs/limits.md: "Fuzzing").
 */
const WORDS_PER_GENERATION = 4_096;
/** Longer "words" (URLs, base64) rarely repeat and would only fill the cache. */
const MAX_CACHED_WORD_LENGTH = 64;

interface UnigramModel extends UnigramVocabulary {
  vocab: string[];
  tokenize(normalized: string): string[];
  encode(pretokenized: string[]): string[];
  populate_nodes(lattice: unknown): void;
}

interface WrappedTokenizer {
  _tokenizer?: { model?: Partial<UnigramModel>; tokenizer?: { pre_tokenizer?: unknown; normalizer?: unknown; added_tokens?: unknown[] } };
  encode(text: string, options: { add_special_tokens: boolean }): number[];
}

/** The current limited call's state; one per installed model. */
interface TokenLimit {
  /** How many more ids are wanted; unset: all of them (no limited call running). */
  remaining: number | undefined;
  /**
   * Set once more ids than wanted came from words known to be whole — followed by another word,
   * or proven from a prefix — so a cut made after them (see text-cut.ts) changed none of them.
   */
  reached: boolean;
  /** Cuts allowed for this tokenizer: its added tokens' texts; undefined when its normalizer isn't local. */
  addedTokens: readonly string[] | undefined;
}

const limits = new WeakMap<object, TokenLimit>();

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
  // The lattice needs the model's trie and scores; a model without them (a test's fake) keeps its own search.
  const vocabulary = hasLattice(model) ? model : undefined;
  const lattice = vocabulary ? prepareUnigramSearch(vocabulary) : undefined;
  const pieceIds = vocabulary?.tokens_to_ids;
  const unknownId = vocabulary?.unk_token_id;
  const cache = new TwoGenerationCache<string, readonly string[]>(WORDS_PER_GENERATION);
  const limit: TokenLimit = { remaining: undefined, reached: false, addedTokens: cutRules(inner) };
  limits.set(model, limit);

  const tokenizeWord = (word: string): readonly string[] => {
    if (word.length > MAX_CACHED_WORD_LENGTH) return lattice ? unigramPieces(Array.from(word), lattice) : search(word);
    let pieces = cache.get(word);
    if (pieces === undefined) {
      pieces = search(word);
      cache.set(word, pieces);
    }
    return pieces;
  };
  const isUnknown = (piece: string): boolean => pieceIds !== undefined && (pieceIds.get(piece) ?? unknownId) === unknownId;
  model.tokenize = (normalized: string): string[] => {
    const pieces: string[] = [];
    // transformers.js fuses each run of unknown pieces into one <unk>, re-hashing the growing run
    // at every piece (quadratic: minutes for a 1 MB run of unknown characters). Fusing here gives
    // the same single piece in linear time.
    let unknownRun: string[] = [];
    // Ids this text has given so far, as fused.
    let idCount = 0;
    let previousUnknown = false;
    let start = 0;
    while (start < normalized.length) {
      let end = normalized.indexOf(WORD_START, start + 1);
      if (end === -1) end = normalized.length;
      const word = normalized.slice(start, end);
      const wanted = limit.remaining === undefined ? undefined : limit.remaining - idCount;
      // Pieces are certain when the word is whole in the full text too — another word follows it
      // here, and the text was only ever cut where normalizing can't reach across — or when they
      // were proven from a prefix of the word.
      let wordPieces: readonly string[];
      let proven = end < normalized.length;
      if (wanted !== undefined && lattice && word.length > MAX_CACHED_WORD_LENGTH) {
        const prefix = unigramWordPrefix(Array.from(word), lattice, wanted);
        wordPieces = prefix.pieces;
        proven ||= !prefix.whole;
      } else {
        wordPieces = tokenizeWord(word);
      }
      for (const piece of wordPieces) {
        const unknown = isUnknown(piece);
        if (unknown && previousUnknown) {
          unknownRun.push(piece);
        } else {
          if (unknownRun.length > 0) pieces.push(unknownRun.join(''));
          unknownRun = [];
          if (unknown) unknownRun.push(piece);
          else pieces.push(piece);
          idCount++;
        }
        previousUnknown = unknown;
      }
      start = end;
      // Stop once one id more than wanted is certain: the last kept id is then never a fused <unk>
      // run that the rest of the text would have made longer.
      if (limit.remaining !== undefined && proven && idCount > limit.remaining) {
        limit.reached = true;
        break;
      }
    }
    if (unknownRun.length > 0) pieces.push(unknownRun.join(''));
    if (limit.remaining !== undefined) limit.remaining = Math.max(0, limit.remaining - idCount);
    return pieces;
  };
  // transformers.js' own encode spreads each text's pieces into one call's arguments, which
  // overflows the stack past ~100k pieces; appending one by one has no such limit.
  model.encode = (pretokenized: string[]): string[] => {
    const pieces: string[] = [];
    for (const text of pretokenized) for (const piece of (model as UnigramModel).tokenize(text)) pieces.push(piece);
    return pieces;
  };
  return true;
}

/**
 * The first `maxTokens` ids of `text` (no special tokens), exactly as tokenizing all of it and
 * truncating would give. With the word tokenizer installed (see {@link cacheUnigramWords}) only a
 * prefix of the text is normalized and searched — grown until the ids it proves are enough;
 * otherwise the whole text is tokenized and cut.
 */
export function encodeWithTokenLimit(tokenizer: unknown, text: string, maxTokens: number): number[] {
  const wrapped = tokenizer as WrappedTokenizer;
  const model = wrapped._tokenizer?.model;
  const limit = model ? limits.get(model) : undefined;
  if (!limit) return wrapped.encode(text, { add_special_tokens: false }).slice(0, maxTokens);
  // A first guess well past what `maxTokens` ids of ordinary text take, doubled while short.
  for (let length = INITIAL_CHARACTERS_PER_ID * maxTokens + 1024; ; ) {
    const cut = limit.addedTokens ? safeCut(text, length, limit.addedTokens) : text.length;
    // Added tokens (<s>, <mask>, …) split a text into sections, each searched in its own call; the
    // limit carries from one to the next. Ids of added tokens are not counted: more is kept, not less.
    limit.remaining = maxTokens;
    limit.reached = false;
    try {
      const ids = wrapped.encode(cut < text.length ? text.slice(0, cut) : text, { add_special_tokens: false });
      if (cut >= text.length || limit.reached) return ids.slice(0, maxTokens);
    } finally {
      limit.remaining = undefined;
    }
    // Short of ids: the last word was cut, or a run of unknown characters (one id however long)
    // reached the cut. Take at least twice as much, and the rest of that word.
    const nextSpace = text.slice(cut).search(/\s/u);
    length = Math.max(2 * cut, nextSpace === -1 ? text.length : cut + nextSpace);
  }
}

/** Characters per id in the first cut tried; English takes ~5, CJK ~1.5, base64 ~3. */
const INITIAL_CHARACTERS_PER_ID = 8;

/** The added tokens' texts when this tokenizer's normalization allows cuts; undefined otherwise. */
function cutRules(inner: WrappedTokenizer['_tokenizer']): readonly string[] | undefined {
  const config = inner?.tokenizer as { normalizer?: unknown; added_tokens?: { content?: unknown }[] } | undefined;
  if (!config || !normalizesLocally(config.normalizer)) return undefined;
  const added = (config.added_tokens ?? []).map((token) => token.content).filter((content): content is string => typeof content === 'string' && content !== '');
  // A token with whitespace inside could straddle a cut at a space; such tokenizers get no cut.
  return added.some((content) => /\s/u.test(content)) ? undefined : added;
}

function hasLattice(model: Partial<UnigramModel>): model is UnigramModel {
  return (
    model.trie?.root?.children instanceof Map &&
    model.tokens_to_ids instanceof Map &&
    Array.isArray(model.scores) &&
    typeof model.unk_token_id === 'number' &&
    typeof model.unk_score === 'number'
  );
}

/** Whether the pre-tokenizer (or one in its sequence) is a Metaspace that splits at "▁". */
function splitsAtWordStarts(config: unknown): boolean {
  if (!config || typeof config !== 'object') return false;
  const { type, split, replacement, pretokenizers } = config as { type?: string; split?: boolean; replacement?: string; pretokenizers?: unknown[] };
  if (type === 'Metaspace') return split !== false && replacement === WORD_START;
  if (type === 'Sequence' && Array.isArray(pretokenizers)) return pretokenizers.some(splitsAtWordStarts);
  return false;
}
