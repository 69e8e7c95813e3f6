/**
 * Pairs aimed at the truncation boundaries, to the token, sized with the reference tokenizer's
 * own counts: at each max length, documents of one token below, at and above the room a query
 * leaves (max length − capped query − 4 special tokens), and queries of one token below, at and
 * above the query cap (¾ of the max length, as FlagReranker caps it).
 */
import { BOUNDARY_SCRIPTS, boundaryWords, sizedText } from '../../tools/reference/parity-texts.js';
import { runReference } from './reference-python.js';

/** `<s> query </s></s> document </s>`. */
const PAIR_SPECIAL_TOKENS = 4;
const DELTAS = [-1, 0, 1] as const;
/** A word of one token, which starts and ends every sized text. */
const FILLER = 'the';

/** A text built to have exactly `tokens` tokens in the reference tokenizer. */
export interface SizedText {
  label: string;
  text: string;
  tokens: number;
}

export interface BoundaryCases {
  /** Every document and query sized here, with its intended count (to check against the reference). */
  sized: SizedText[];
  requests: { maxLength: number; query: string; documents: string[] }[];
}

/** FlagReranker's query cap. */
export function queryCap(maxLength: number): number {
  return Math.floor((maxLength * 3) / 4);
}

/** The boundary cases for `queries` (and queries sized to each cap) at each of `maxLengths`, on `tokenizer`. */
export async function truncationBoundaries(tokenizer: string, queries: readonly string[], maxLengths: readonly number[]): Promise<BoundaryCases> {
  const pools = boundaryWords();
  const words = BOUNDARY_SCRIPTS.flatMap((script) => pools[script]);
  // Each word counted between two fillers, where its count does not depend on being first or last.
  const { ids } = await runReference({ tokenizer, texts: [...queries, FILLER, ...words.map((word) => `${FILLER} ${word} ${FILLER}`)] });
  const countOf = new Map(words.map((word, index) => [word, (ids[queries.length + 1 + index] as number[]).length - 2]));
  const counted = (script: (typeof BOUNDARY_SCRIPTS)[number]): [string, number][] => pools[script].map((word) => [word, countOf.get(word) as number]);
  if (ids[queries.length]?.length !== 1) throw new Error(`"${FILLER}" is not one token in ${tokenizer}: it cannot size texts.`);

  const sized: SizedText[] = [];
  const requests: BoundaryCases['requests'] = [];
  let seed = 1;
  const make = (label: string, script: (typeof BOUNDARY_SCRIPTS)[number], tokens: number): string => {
    const text = sizedText(counted(script), FILLER, tokens, seed++);
    sized.push({ label, text, tokens });
    return text;
  };
  for (const maxLength of maxLengths) {
    const cap = queryCap(maxLength);
    const sizedQueries = DELTAS.map((delta) => ({ text: make(`max ${maxLength}: query of cap ${cap}${delta ? ` ${delta > 0 ? '+' : ''}${delta}` : ''}`, 'mixed', cap + delta), tokens: cap + delta }));
    const given = queries.map((text, index) => ({ text, tokens: (ids[index] as number[]).length }));
    for (const [queryIndex, query] of [...given, ...sizedQueries].entries()) {
      const room = maxLength - Math.min(query.tokens, cap) - PAIR_SPECIAL_TOKENS;
      const targets = [...new Set(DELTAS.map((delta) => Math.max(1, room + delta)))];
      const documents = targets.flatMap((tokens) => BOUNDARY_SCRIPTS.map((script) => make(`max ${maxLength}, query ${queryIndex}: ${script} document of ${tokens} (room ${room})`, script, tokens)));
      requests.push({ maxLength, query: query.text, documents });
    }
  }
  return { sized, requests };
}
