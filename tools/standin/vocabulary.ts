/**
 * The stand-in's Unigram vocabulary: XLM-R's special tokens at XLM-R's ids, then pieces that
 * cover ordinary English text, ordered by score like a SentencePiece model.
 *
 * Scores are log-probability-like. They are chosen so that the Viterbi search always prefers a
 * whole word over any split of it, and so that no printable ASCII character (nor a common Latin,
 * Greek or Cyrillic letter) ever becomes `<unk>`: every such character is a piece of its own.
 */
import { COMMON_ENGLISH_WORDS } from './english-words.js';

/** SentencePiece's word-boundary marker, which Metaspace puts in place of spaces. */
export const WORD_BOUNDARY = '\u2581';

/** XLM-R's special tokens and their fixed ids; `<mask>` is always the last id. */
export const SPECIAL_TOKENS = {
  bos: { content: '<s>', id: 0 },
  pad: { content: '<pad>', id: 1 },
  eos: { content: '</s>', id: 2 },
  unk: { content: '<unk>', id: 3 },
  mask: { content: '<mask>' },
} as const;

/** One entry of a Unigram vocabulary, as `tokenizer.json` stores it: `[piece, score]`. */
export type UnigramEntry = readonly [piece: string, score: number];

// Score bands. Word scores fall from -5 (rank 0) to about -13 (rank 3400); any split of a word
// into two or more pieces scores below -14, so whole words win.
const BOUNDARY_SCORE = -3;
const WORD_BASE_SCORE = -5;
const CAPITALIZED_PENALTY = 1.5;
const CONTINUATION_PENALTY = 3;
const AFFIX_SCORE = -9;
const FRAGMENT_BASE_SCORE = -9.5;
const PUNCTUATION_SCORE = -11;
const LETTER_SCORE = -12;
const BOUNDARY_LETTER_SCORE = -12.5;
const OTHER_CHARACTER_SCORE = -13;
const SYNTHETIC_BASE_SCORE = -14;

// Common English suffixes (continuation pieces) and prefixes (word-initial pieces), so that
// words missing from the list still split into few pieces.
const SUFFIXES = `s es ed ing ly er ers est tion tions sion ment ments ness able ible al ial ic ical ity
  ive ous ious ful less ize ise ized ised izing ism ist ists ance ence ant ent ure ary ory ship hood
  ward wise y ies ied ier iest en ate ated ating ation ations age dom fy ify ology logy graphy
  's 't 're 've 'll 'm 'd n't`.split(/\s+/);
const PREFIXES = `un re pre dis sub inter over under non anti multi co de in im ir il mis out post
  semi super trans auto bio geo micro macro mono poly tele counter extra hyper ultra`.split(/\s+/);

interface Candidate {
  readonly piece: string;
  readonly score: number;
}

function wordScore(rank: number): number {
  return WORD_BASE_SCORE - Math.log(1 + rank);
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function codePointRange(first: number, last: number, skip: readonly number[] = []): string[] {
  const characters: string[] = [];
  for (let code = first; code <= last; code++) {
    if (!skip.includes(code)) characters.push(String.fromCodePoint(code));
  }
  return characters;
}

/** Single-character pieces: these guarantee that ordinary text never hits `<unk>`. */
function characterPieces(): Candidate[] {
  const pieces: Candidate[] = [];
  for (const character of codePointRange(0x21, 0x7e)) {
    const isAlphanumeric = /[A-Za-z0-9]/.test(character);
    pieces.push({ piece: character, score: isAlphanumeric ? LETTER_SCORE : PUNCTUATION_SCORE });
    if (isAlphanumeric) pieces.push({ piece: WORD_BOUNDARY + character, score: BOUNDARY_LETTER_SCORE });
  }
  const latinAndMore = [
    // Latin-1 symbols and letters (no × ÷), Latin Extended-A.
    ...codePointRange(0xa1, 0xff, [0xad, 0xd7, 0xf7]),
    ...codePointRange(0x100, 0x17f),
    // Basic Greek and Cyrillic letters.
    ...codePointRange(0x391, 0x3a9, [0x3a2]),
    ...codePointRange(0x3b1, 0x3c9),
    ...codePointRange(0x410, 0x44f),
    // Typographic punctuation that NFKC keeps as is.
    ...['\u2013', '\u2014', '\u2018', '\u2019', '\u201c', '\u201d', '\u2022', '\u2044', '\u20ac', '\u00d7', '\u00f7'],
  ];
  for (const character of latinAndMore) {
    pieces.push({ piece: character, score: OTHER_CHARACTER_SCORE });
  }
  return pieces;
}

function wordPieces(words: readonly string[]): Candidate[] {
  const pieces: Candidate[] = [];
  words.forEach((word, rank) => {
    const score = wordScore(rank);
    pieces.push({ piece: WORD_BOUNDARY + word, score });
    pieces.push({ piece: WORD_BOUNDARY + capitalize(word), score: score - CAPITALIZED_PENALTY });
    // Without the boundary marker: words after punctuation or inside compounds ("re-ranking").
    pieces.push({ piece: word, score: score - CONTINUATION_PENALTY });
  });
  return pieces;
}

function affixPieces(): Candidate[] {
  return [
    ...SUFFIXES.map((suffix) => ({ piece: suffix, score: AFFIX_SCORE })),
    ...PREFIXES.map((prefix) => ({ piece: WORD_BOUNDARY + prefix, score: AFFIX_SCORE })),
  ];
}

/**
 * Two- and three-letter fragments seen in the word list (word-initial ones with the boundary
 * marker), the more frequent the better scored: rare words then split into a few fragments
 * rather than into single letters, as they would with a trained vocabulary.
 */
function fragmentPieces(words: readonly string[]): Candidate[] {
  const counts = new Map<string, number>();
  const count = (fragment: string): void => {
    counts.set(fragment, (counts.get(fragment) ?? 0) + 1);
  };
  for (const word of words) {
    if (word.includes("'")) continue;
    for (const size of [2, 3]) {
      if (word.length > size) count(WORD_BOUNDARY + word.slice(0, size));
      for (let start = 1; start + size <= word.length; start++) count(word.slice(start, start + size));
    }
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return ranked.map(([piece], rank) => ({ piece, score: FRAGMENT_BASE_SCORE - Math.log(1 + rank) / 4 }));
}

const SYLLABLE_ONSETS = 'b c d f g h j k l m n p r s t v w z ch sh th br cr dr fr gr pr tr st pl bl cl fl gl sl sp sk sm sn qu'.split(' ');
const SYLLABLE_VOWELS = 'a e i o u y ai ea ou ie'.split(' ');
const SYLLABLE_CODAS = ['', 'n', 'r', 's', 'l', 't', 'm', 'ck', 'nd', 'st'];
const SYLLABLES = SYLLABLE_ONSETS.flatMap((onset) =>
  SYLLABLE_VOWELS.flatMap((vowel) => SYLLABLE_CODAS.map((coda) => onset + vowel + coda)),
);

/**
 * Pseudo-word pieces that pad a vocabulary to a requested size (250002 for the real model's
 * dimensions). They look like word parts, so the embedding table is the real size without
 * changing how ordinary English is tokenized much.
 */
function* syntheticPieces(): Generator<string> {
  const count = SYLLABLES.length;
  for (let index = 0; ; index++) {
    const body = SYLLABLES[index % count]! + SYLLABLES[Math.floor(index / count) % count]!;
    yield index % 2 === 0 ? WORD_BOUNDARY + body : body;
  }
}

function uniqueByFirstOccurrence(candidates: readonly Candidate[], taken: Set<string>): Candidate[] {
  const kept: Candidate[] = [];
  for (const candidate of candidates) {
    if (taken.has(candidate.piece)) continue;
    taken.add(candidate.piece);
    kept.push(candidate);
  }
  return kept;
}

const SPECIAL_COUNT = 5; // <s> <pad> </s> <unk> ... <mask>

interface NaturalPieces {
  readonly characters: readonly Candidate[];
  readonly others: readonly Candidate[];
}

let naturalPiecesCache: NaturalPieces | undefined;

function naturalPieces(): NaturalPieces {
  naturalPiecesCache ??= collectNaturalPieces();
  return naturalPiecesCache;
}

function collectNaturalPieces(): NaturalPieces {
  const taken = new Set<string>([WORD_BOUNDARY]);
  const words = [...new Set(COMMON_ENGLISH_WORDS)];
  const characters = uniqueByFirstOccurrence(characterPieces(), taken);
  const others = uniqueByFirstOccurrence(
    [...wordPieces(words), ...affixPieces(), ...fragmentPieces(words)],
    taken,
  );
  return { characters, others };
}

/** The smallest vocabulary that still keeps every single-character piece. */
export function minimumVocabularySize(): number {
  return SPECIAL_COUNT + 1 + naturalPieces().characters.length;
}

/** How many pieces the stand-in has before synthetic padding. */
export function naturalVocabularySize(): number {
  const { characters, others } = naturalPieces();
  return SPECIAL_COUNT + 1 + characters.length + others.length;
}

/**
 * Builds exactly `vocabSize` Unigram entries: `<s> <pad> </s> <unk>`, the boundary marker, the
 * best-scored pieces that fit (single characters always kept), synthetic padding if the
 * natural pieces run out, and `<mask>` last.
 */
export function buildVocabulary(vocabSize: number): UnigramEntry[] {
  const minimum = minimumVocabularySize();
  if (!Number.isInteger(vocabSize) || vocabSize < minimum) {
    throw new RangeError(`vocab size must be an integer >= ${minimum} (specials plus single characters), got ${vocabSize}`);
  }
  const { characters, others } = naturalPieces();
  const budget = vocabSize - SPECIAL_COUNT - 1;

  const byScore = (a: Candidate, b: Candidate): number => b.score - a.score;
  const keptOthers = [...others].sort(byScore).slice(0, Math.max(0, budget - characters.length));
  const natural = [...characters, ...keptOthers].sort(byScore);

  const padding: Candidate[] = [];
  const taken = new Set(natural.map((candidate) => candidate.piece));
  const synthetic = syntheticPieces();
  while (natural.length + padding.length < budget) {
    const piece = synthetic.next().value as string;
    if (taken.has(piece)) continue;
    taken.add(piece);
    // Slowly falling scores keep the padding ordered by id, like a trained vocabulary.
    padding.push({ piece, score: SYNTHETIC_BASE_SCORE - padding.length / 100_000 });
  }

  return [
    [SPECIAL_TOKENS.bos.content, 0],
    [SPECIAL_TOKENS.pad.content, 0],
    [SPECIAL_TOKENS.eos.content, 0],
    [SPECIAL_TOKENS.unk.content, 0],
    [WORD_BOUNDARY, BOUNDARY_SCORE],
    ...[...natural, ...padding].map((candidate): UnigramEntry => [candidate.piece, candidate.score]),
    [SPECIAL_TOKENS.mask.content, 0],
  ];
}
