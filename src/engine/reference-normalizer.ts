/**
 * A tokenizer.json `normalizer` applied with the semantics of Hugging Face `tokenizers` (Rust),
 * which FlagReranker, sentence-transformers and TEI all run: scores can only match theirs when the
 * text the model sees does.
 *
 * transformers.js approximates some normalizers (its `Precompiled` ignores the charsmap and runs
 * NFKC and regexes instead; its `Strip` trims U+FEFF, which Rust keeps). Here each one does what
 * the reference does, or the whole normalizer is refused (undefined) and the caller keeps
 * transformers.js' own.
 */
import { PrecompiledCharsmap } from './precompiled-charsmap.js';
import { normalizeAsReference } from './unicode-drift.js';

export type TextNormalizer = (text: string) => string;

/** Rust's `char::is_whitespace`: the Unicode White_Space property (U+0085 yes, U+FEFF no). */
export const RUST_WHITESPACE = /\p{White_Space}/u;
const LEADING_WHITESPACE = /^\p{White_Space}+/u;
const TRAILING_WHITESPACE = /\p{White_Space}+$/u;

/** Trims Rust's whitespace (not JavaScript's, which includes U+FEFF). */
export function trimRustWhitespace(text: string, left: boolean, right: boolean): string {
  let result = text;
  if (left) result = result.replace(LEADING_WHITESPACE, '');
  if (right) result = result.replace(TRAILING_WHITESPACE, '');
  return result;
}

interface NormalizerConfig {
  type?: string;
  normalizers?: unknown[];
  precompiled_charsmap?: string | null;
  pattern?: { String?: string; Regex?: string };
  content?: string;
  strip_left?: boolean;
  strip_right?: boolean;
  prepend?: string;
}

/**
 * The normalizer a tokenizer.json describes, as the reference runs it; the identity when there is
 * none; undefined when it uses a normalizer this module does not implement.
 */
export function referenceNormalizer(config: unknown): TextNormalizer | undefined {
  if (config === null || config === undefined) return (text) => text;
  if (typeof config !== 'object') return undefined;
  const normalizer = config as NormalizerConfig;
  switch (normalizer.type) {
    case 'Sequence': {
      if (!Array.isArray(normalizer.normalizers)) return undefined;
      const steps = normalizer.normalizers.map(referenceNormalizer);
      if (steps.some((step) => step === undefined)) return undefined;
      return (text) => (steps as TextNormalizer[]).reduce((current, step) => step(current), text);
    }
    case 'Precompiled': {
      // An empty charsmap normalizes nothing in the reference.
      if (!normalizer.precompiled_charsmap) return (text) => text;
      const charsmap = PrecompiledCharsmap.fromBase64(normalizer.precompiled_charsmap);
      return (text) => charsmap.normalize(text);
    }
    case 'Replace':
      return replacer(normalizer);
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      // The runtime's Unicode tables, less the code points they know and the reference's do not.
      const form = normalizer.type;
      return (text) => normalizeAsReference(text, form);
    }
    case 'Strip': {
      const left = normalizer.strip_left ?? true;
      const right = normalizer.strip_right ?? true;
      return (text) => trimRustWhitespace(text, left, right);
    }
    case 'Lowercase':
      return (text) => text.toLowerCase();
    case 'Prepend': {
      const prefix = normalizer.prepend ?? '';
      return (text) => (text.length > 0 ? prefix + text : text);
    }
    default:
      return undefined;
  }
}

function replacer({ pattern, content }: NormalizerConfig): TextNormalizer | undefined {
  if (typeof content !== 'string' || !pattern) return undefined;
  if (typeof pattern.String === 'string') {
    const literal = pattern.String;
    return literal === '' ? (text) => text : (text) => text.replaceAll(literal, content);
  }
  if (typeof pattern.Regex !== 'string') return undefined;
  let regex: RegExp;
  try {
    regex = new RegExp(pattern.Regex, 'gu');
  } catch {
    return undefined;
  }
  // The replacement is literal text in the reference; `$` means nothing special there.
  return (text) => text.replace(regex, () => content);
}
