/**
 * Makes a transformers.js tokenizer turn text into pieces the way Hugging Face `tokenizers` (Rust)
 * does for the same tokenizer.json — the library FlagReranker, sentence-transformers and TEI run.
 *
 * The model (Unigram's search) stays transformers.js'; what changes is everything before it:
 * - added tokens (`<s>`, `</s>`, `<mask>`, …) that are not `normalized` are found in the raw text,
 *   before normalization, leftmost-longest; so a full-width `＜mask＞` stays text, as in Rust;
 * - an added token's `lstrip`/`rstrip` swallow Rust's whitespace (U+FEFF is not whitespace);
 * - each text between added tokens is normalized by {@link referenceNormalizer} (the real
 *   `Precompiled` charsmap included), then `normalized` added tokens are found in it;
 * - Metaspace replaces spaces with "▁" and prepends one per text, as Rust does.
 *
 * Installed only when every step of the file's pipeline is one implemented here; otherwise
 * transformers.js' own pipeline is kept.
 */
import { RUST_WHITESPACE, referenceNormalizer, type TextNormalizer } from './reference-normalizer.js';

/** An added token as transformers.js keeps it (the tokenizer.json `added_tokens` entry). */
interface AddedTokenLike {
  content: string;
  lstrip?: boolean;
  rstrip?: boolean;
  single_word?: boolean;
  normalized?: boolean;
}

interface InnerTokenizer {
  tokenizer?: { normalizer?: unknown; pre_tokenizer?: unknown };
  added_tokens?: AddedTokenLike[];
  remove_space?: boolean;
  do_lowercase_and_remove_accent?: boolean;
  model?: (words: string[]) => string[];
  encode_text?: (text: string | null) => string[] | null;
}

/** A stretch of text, or an added token found in it. */
type Section = { token: AddedTokenLike; text?: undefined } | { token?: undefined; text: string; atStart: boolean };

/**
 * Installs the reference's pre-model pipeline into `tokenizer` (a transformers.js tokenizer).
 * Returns whether it did.
 */
export function matchReferenceTokenization(tokenizer: unknown): boolean {
  const inner = (tokenizer as { _tokenizer?: InnerTokenizer })._tokenizer;
  if (!inner || typeof inner.model !== 'function' || typeof inner.encode_text !== 'function') return false;
  // Options from tokenizer_config.json that transformers.js applies outside the tokenizer.json pipeline.
  if (inner.remove_space === true || inner.do_lowercase_and_remove_accent === true) return false;
  const normalize = referenceNormalizer(inner.tokenizer?.normalizer);
  const preTokenize = metaspace(inner.tokenizer?.pre_tokenizer);
  if (!normalize || !preTokenize) return false;

  const addedTokens = inner.added_tokens ?? [];
  const rawTokens = new AddedTokenMatcher(addedTokens.filter((token) => !token.normalized), (content) => content);
  const normalizedTokens = new AddedTokenMatcher(
    addedTokens.filter((token) => token.normalized),
    (content) => normalize(content),
  );
  const model = (words: string[]): string[] => (inner.model as (words: string[]) => string[])(words);
  inner.encode_text = (text) => (text === null ? null : encodeText(text, { rawTokens, normalizedTokens, normalize, preTokenize, model }));
  return true;
}

/** What a user is told when a model's tokenizer.json cannot be tokenized as the reference does. */
export function unmatchedTokenizationWarning(model: string): string {
  return `webrerank: the tokenizer.json of "${model}" uses steps webrerank does not reproduce as Hugging Face tokenizers does (docs/limits.md); transformers.js' own tokenizer runs instead, so ids and scores can differ from FlagReranker's or TEI's.`;
}

interface Pipeline {
  rawTokens: AddedTokenMatcher;
  normalizedTokens: AddedTokenMatcher;
  normalize: TextNormalizer;
  preTokenize: (text: string, atStart: boolean) => string;
  model: (words: string[]) => string[];
}

function encodeText(text: string, pipeline: Pipeline): string[] {
  const pieces: string[] = [];
  for (const section of pipeline.rawTokens.split(text, true)) {
    if (section.token) {
      pieces.push(section.token.content);
      continue;
    }
    const normalized = pipeline.normalize(section.text);
    for (const part of pipeline.normalizedTokens.split(normalized, section.atStart)) {
      if (part.token) {
        pieces.push(part.token.content);
        continue;
      }
      const words = pipeline.preTokenize(part.text, part.atStart);
      if (words.length === 0) continue;
      for (const piece of pipeline.model([words])) pieces.push(piece);
    }
  }
  return pieces;
}

/**
 * Rust's Metaspace on one text: spaces become the replacement, which is prepended (scheme
 * `always`, or `first` for the text at the start of the input) unless the text already starts
 * with it. An empty text stays empty. Undefined for any other pre-tokenizer.
 */
function metaspace(config: unknown): ((text: string, atStart: boolean) => string) | undefined {
  if (!config || typeof config !== 'object') return undefined;
  const { type, replacement, prepend_scheme: scheme, add_prefix_space: addPrefixSpace } = config as {
    type?: string;
    replacement?: string;
    prepend_scheme?: string;
    add_prefix_space?: boolean;
  };
  if (type !== 'Metaspace' || typeof replacement !== 'string' || [...replacement].length !== 1) return undefined;
  const prepend = scheme ?? (addPrefixSpace === false ? 'never' : 'always');
  if (prepend !== 'always' && prepend !== 'first' && prepend !== 'never') return undefined;
  return (text, atStart) => {
    if (text.length === 0) return text;
    const replaced = text.replaceAll(' ', replacement);
    const wanted = prepend === 'always' || (prepend === 'first' && atStart);
    return wanted && !replaced.startsWith(replacement) ? replacement + replaced : replaced;
  };
}

/** Finds added tokens in a text the way Rust's `AddedVocabulary` does. */
class AddedTokenMatcher {
  private readonly patterns: { pattern: string; token: AddedTokenLike }[];

  constructor(tokens: readonly AddedTokenLike[], patternOf: (content: string) => string) {
    this.patterns = tokens.map((token) => ({ pattern: patternOf(token.content), token })).filter(({ pattern }) => pattern.length > 0);
  }

  /** `text` cut into added tokens and the (non-empty) stretches between them. */
  split(text: string, textAtStart: boolean): Section[] {
    if (this.patterns.length === 0) return text.length > 0 ? [{ text, atStart: textAtStart }] : [];
    const sections: Section[] = [];
    let taken = 0;
    for (const match of this.matches(text)) {
      const { token } = match;
      let { start, end } = match;
      if (token.single_word && (wordCharacterBefore(text, start) || wordCharacterAt(text, end))) continue;
      if (token.lstrip) start = Math.max(taken, start - trailingWhitespaceLength(text, start));
      if (token.rstrip) end += leadingWhitespaceLength(text, end);
      if (taken < start) sections.push({ text: text.slice(taken, start), atStart: textAtStart && taken === 0 });
      sections.push({ token });
      taken = end;
    }
    if (taken < text.length) sections.push({ text: text.slice(taken), atStart: textAtStart && taken === 0 });
    return sections;
  }

  /** Non-overlapping matches, leftmost first and longest among those starting there (aho-corasick's LeftmostLongest). */
  private *matches(text: string): Generator<{ start: number; end: number; token: AddedTokenLike }> {
    // Each pattern's next occurrence, searched again only once passed: linear in the text however many matches.
    const next = this.patterns.map(({ pattern }) => text.indexOf(pattern));
    let from = 0;
    for (;;) {
      let best: { start: number; end: number; token: AddedTokenLike } | undefined;
      this.patterns.forEach(({ pattern, token }, index) => {
        let start = next[index] as number;
        if (start !== -1 && start < from) next[index] = start = text.indexOf(pattern, from);
        if (start === -1) return;
        const end = start + pattern.length;
        if (!best || start < best.start || (start === best.start && end > best.end)) best = { start, end, token };
      });
      if (!best) return;
      yield best;
      from = (best as { end: number }).end;
    }
  }
}

/** Code units of Rust whitespace ending `text` at `end` (every such character is one code unit). */
function trailingWhitespaceLength(text: string, end: number): number {
  let start = end;
  while (start > 0 && RUST_WHITESPACE.test(text[start - 1] as string)) start--;
  return end - start;
}

/** Code units of Rust whitespace starting `text` at `start`. */
function leadingWhitespaceLength(text: string, start: number): number {
  let end = start;
  while (end < text.length && RUST_WHITESPACE.test(text[end] as string)) end++;
  return end - start;
}

// Rust's `single_word` test: a word character is alphanumeric or '_'.
const WORD_CHARACTER = /[\p{Alphabetic}\p{Nd}\p{Nl}\p{No}_]/u;

function wordCharacterBefore(text: string, index: number): boolean {
  if (index === 0) return false;
  const low = text.charCodeAt(index - 1);
  const point = low >= 0xdc00 && low <= 0xdfff && index >= 2 ? (text.codePointAt(index - 2) as number) : low;
  return WORD_CHARACTER.test(String.fromCodePoint(point));
}

function wordCharacterAt(text: string, index: number): boolean {
  const point = text.codePointAt(index);
  return point !== undefined && WORD_CHARACTER.test(String.fromCodePoint(point));
}
