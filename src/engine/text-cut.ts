/**
 * Where a long text may be cut before tokenization, so that normalizing the part before the cut
 * gives exactly the start of what normalizing the whole text gives.
 *
 * transformers.js normalizes (NFKC, whitespace folding) and pre-tokenizes the whole text before
 * its model sees a character, so a long text costs its whole length however few tokens are kept.
 * Cutting the raw text
 * first is exact when every normalizing step is local and the cut sits at a boundary none of them
 * reaches across:
 * - Unicode normalization never reaches back across a character that is a starter and never
 *   combines with what precedes it: ASCII, CJK ideographs, Hangul syllables, emoji (unlike
 *   combining marks, Hangul jamo or half-width sound marks, which compose with the character
 *   before them). A space is one too; cutting before the first space of a run keeps runs whole.
 * - A `Precompiled` charsmap works on whole grapheme clusters, so the cut must also be a cluster
 *   boundary: the character before it must not be one that clusters with what follows (a joiner,
 *   a Prepend mark, a leading Hangul jamo).
 * - Whitespace folding (`\s+` → ' ', ` {2,}` → ' '), stripping, lower-casing and accent
 *   removal only look at the characters they change.
 * - No added token (`<mask>`, `</s>`) may straddle the cut.
 * Normalizers outside that list (a custom `Replace` pattern, BERT's CJK spacing) get no cut.
 */

/** Normalizer types that are local in the sense above. */
const LOCAL_NORMALIZERS = new Set(['NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase', 'StripAccents', 'Strip', 'Precompiled', 'Prepend']);
/** Replace patterns that only ever match whitespace: `\s+`, ` {2,}`, a run of spaces. */
const WHITESPACE_PATTERN = /^(?:\\s|\\t|\\n|\\r| )(?:[+*]|\{\d+(?:,\d*)?\})?$|^ +$/;

/** Whether a normalizer (a tokenizer.json `normalizer`, possibly a Sequence) is local, so cuts are safe. */
export function normalizesLocally(config: unknown): boolean {
  if (config === null || config === undefined) return true;
  if (typeof config !== 'object') return false;
  const { type, normalizers, pattern } = config as { type?: string; normalizers?: unknown[]; pattern?: { String?: string; Regex?: string } };
  if (type === 'Sequence') return Array.isArray(normalizers) && normalizers.every(normalizesLocally);
  if (type === 'Replace') {
    const source = pattern?.Regex ?? (pattern?.String !== undefined ? escapeRegExp(pattern.String) : undefined);
    return source !== undefined && WHITESPACE_PATTERN.test(source);
  }
  return type !== undefined && LOCAL_NORMALIZERS.has(type);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** How far past `from` a space is looked for before a cut inside a word is taken. */
const SPACE_LOOKAHEAD = 256;

/**
 * The first index at or after `from` where `text` may be cut (see above), preferring a cut before
 * a space; `text.length` when there is none. `addedTokens` are the tokenizer's added tokens' texts;
 * none may straddle the cut.
 */
export function safeCut(text: string, from: number, addedTokens: readonly string[]): number {
  if (from >= text.length) return text.length;
  let inWord = -1;
  for (let index = Math.max(1, from); index < text.length; index++) {
    if (index - from > SPACE_LOOKAHEAD && inWord !== -1) return inWord;
    const code = text.charCodeAt(index);
    if (isAsciiSpace(code)) {
      if (!isWhitespace(text, index - 1) && !isPrepend(text, index - 1) && !straddled(text, index, addedTokens)) return index;
    } else if (inWord === -1 && isSafeStarter(text, index) && isPlainBefore(text, index) && !straddled(text, index, addedTokens)) {
      inWord = index;
    }
  }
  return inWord !== -1 ? inWord : text.length;
}

function isAsciiSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

function isWhitespace(text: string, index: number): boolean {
  return /\s/u.test(text[index] ?? '') || text[index] === '\u2581';
}

/**
 * Whether the character before `index` is one after which a cluster boundary is certain before any
 * safe starter: ASCII, a CJK ideograph, a Hangul syllable or an emoji (not a joiner, a prefix mark
 * or a leading jamo, which cluster with what follows).
 */
function isPlainBefore(text: string, index: number): boolean {
  const code = text.charCodeAt(index - 1);
  if ((code >= 0x21 && code <= 0x7e) || (code >= 0x4e00 && code <= 0x9fff) || (code >= 0xac00 && code <= 0xd7a3)) return true;
  // An emoji (the low half of its pair): without a joiner it does not cluster with the next one.
  const point = code >= 0xdc00 && code <= 0xdfff && index >= 2 ? (text.codePointAt(index - 2) ?? 0) : 0;
  return point >= 0x1f300 && point <= 0x1faff;
}

/** Characters of the Unicode Prepend class: they cluster with whatever follows, a space included. */
const PREPEND = /[\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u0d4e\u{110bd}\u{110cd}\u{111c2}\u{111c3}\u{1193f}\u{11941}\u{11a3a}\u{11a84}-\u{11a89}\u{11d46}\u{11f02}]/u;

function isPrepend(text: string, index: number): boolean {
  const point = text.codePointAt(index);
  if (point === undefined) return false;
  // A low surrogate: look at the whole pair.
  const character = point >= 0xdc00 && point <= 0xdfff && index > 0 ? String.fromCodePoint(text.codePointAt(index - 1) ?? point) : String.fromCodePoint(point);
  return PREPEND.test(character);
}

/** A character no normalization joins to the one before it (and not the second half of a pair). */
function isSafeStarter(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code >= 0x21 && code <= 0x7e) return true; // ASCII
  if (code >= 0x4e00 && code <= 0x9fff) return true; // CJK unified ideographs
  if (code >= 0xac00 && code <= 0xd7a3) return true; // Hangul syllables
  const point = text.codePointAt(index) ?? 0;
  // Emoji (a high surrogate: the pair stays whole), but not the skin-tone modifiers that extend one.
  return point >= 0x1f300 && point <= 0x1faff && !(point >= 0x1f3fb && point <= 0x1f3ff);
}

/**
 * Whether an added token spans `index`, or might once normalized (a full-width "＜mask＞" is
 * "<mask>" after NFKC): then the cut is refused.
 */
function straddled(text: string, index: number, addedTokens: readonly string[]): boolean {
  for (const token of addedTokens) {
    const reach = token.length * 2;
    const start = Math.max(0, index - reach);
    const around = text.slice(start, index + reach);
    if (spans(around, index - start, token)) return true;
    if (!around.includes(token) && around.normalize('NFKC').includes(token)) return true;
  }
  return false;
}

function spans(around: string, at: number, token: string): boolean {
  for (let start = around.indexOf(token); start !== -1; start = around.indexOf(token, start + 1)) {
    if (start < at && start + token.length > at) return true;
  }
  return false;
}
