/**
 * `tokenizer.json` and `tokenizer_config.json` in the shape of an XLM-R conversion
 * (Unigram model, Metaspace pre-tokenizer, `<s> A </s></s> B </s>` template), so the loading
 * code under test goes through the same paths as with the real bge-reranker-v2-m3 tokenizer.
 */
import { readFileSync } from 'node:fs';
import { SPECIAL_TOKENS, WORD_BOUNDARY, buildVocabulary } from './vocabulary.js';

/**
 * sentencepiece's `nmt_nfkc` rules compiled into a charsmap — what XLM-R's (so
 * bge-reranker-v2-m3's) `Precompiled` normalizer carries. Written by
 * tools/reference/nmt-nfkc-charsmap.py with the sentencepiece package; kept as bytes so the
 * stand-in needs no Python.
 */
const NMT_NFKC_CHARSMAP = new URL('./nmt-nfkc-charsmap.bin', import.meta.url);

/** The subset of the HF tokenizers `added_tokens` entry that XLM-R uses. */
export interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly single_word: boolean;
  readonly lstrip: boolean;
  readonly rstrip: boolean;
  readonly normalized: boolean;
  readonly special: boolean;
}

type TemplatePiece =
  | { readonly SpecialToken: { readonly id: string; readonly type_id: number } }
  | { readonly Sequence: { readonly id: 'A' | 'B'; readonly type_id: number } };

const bos: TemplatePiece = { SpecialToken: { id: SPECIAL_TOKENS.bos.content, type_id: 0 } };
const eos: TemplatePiece = { SpecialToken: { id: SPECIAL_TOKENS.eos.content, type_id: 0 } };
const sequenceA: TemplatePiece = { Sequence: { id: 'A', type_id: 0 } };
const sequenceB: TemplatePiece = { Sequence: { id: 'B', type_id: 0 } };

function addedToken(id: number, content: string, lstrip = false): AddedToken {
  return { id, content, single_word: false, lstrip, rstrip: false, normalized: false, special: true };
}

/** The parsed `tokenizer.json` for a vocabulary of `vocabSize` pieces. */
export function buildTokenizerJson(vocabSize: number): Record<string, unknown> {
  const vocab = buildVocabulary(vocabSize);
  const maskId = vocab.length - 1;
  const metaspace = { type: 'Metaspace', replacement: WORD_BOUNDARY, prepend_scheme: 'always', split: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      addedToken(SPECIAL_TOKENS.bos.id, SPECIAL_TOKENS.bos.content),
      addedToken(SPECIAL_TOKENS.pad.id, SPECIAL_TOKENS.pad.content),
      addedToken(SPECIAL_TOKENS.eos.id, SPECIAL_TOKENS.eos.content),
      addedToken(SPECIAL_TOKENS.unk.id, SPECIAL_TOKENS.unk.content),
      // XLM-R's mask swallows the space before it.
      addedToken(maskId, SPECIAL_TOKENS.mask.content, true),
    ],
    // The real model's normalizer: sentencepiece's charsmap, then runs of spaces folded.
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Precompiled', precompiled_charsmap: readFileSync(NMT_NFKC_CHARSMAP).toString('base64') },
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
      ],
    },
    pre_tokenizer: metaspace,
    post_processor: {
      type: 'TemplateProcessing',
      single: [bos, sequenceA, eos],
      pair: [bos, sequenceA, eos, eos, sequenceB, eos],
      special_tokens: {
        [SPECIAL_TOKENS.bos.content]: { id: SPECIAL_TOKENS.bos.content, ids: [SPECIAL_TOKENS.bos.id], tokens: [SPECIAL_TOKENS.bos.content] },
        [SPECIAL_TOKENS.eos.content]: { id: SPECIAL_TOKENS.eos.content, ids: [SPECIAL_TOKENS.eos.id], tokens: [SPECIAL_TOKENS.eos.content] },
      },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: SPECIAL_TOKENS.unk.id, vocab, byte_fallback: false },
  };
}

/** The parsed `tokenizer_config.json`; `modelMaxLength` is the number of usable positions. */
export function buildTokenizerConfig(vocabSize: number, modelMaxLength: number): Record<string, unknown> {
  const maskId = vocabSize - 1;
  const decoder: Record<string, Omit<AddedToken, 'id'>> = {};
  for (const token of [
    addedToken(SPECIAL_TOKENS.bos.id, SPECIAL_TOKENS.bos.content),
    addedToken(SPECIAL_TOKENS.pad.id, SPECIAL_TOKENS.pad.content),
    addedToken(SPECIAL_TOKENS.eos.id, SPECIAL_TOKENS.eos.content),
    addedToken(SPECIAL_TOKENS.unk.id, SPECIAL_TOKENS.unk.content),
    addedToken(maskId, SPECIAL_TOKENS.mask.content, true),
  ]) {
    const { id, ...rest } = token;
    decoder[String(id)] = rest;
  }
  return {
    tokenizer_class: 'XLMRobertaTokenizer',
    model_max_length: modelMaxLength,
    bos_token: SPECIAL_TOKENS.bos.content,
    eos_token: SPECIAL_TOKENS.eos.content,
    sep_token: SPECIAL_TOKENS.eos.content,
    cls_token: SPECIAL_TOKENS.bos.content,
    unk_token: SPECIAL_TOKENS.unk.content,
    pad_token: SPECIAL_TOKENS.pad.content,
    mask_token: SPECIAL_TOKENS.mask.content,
    clean_up_tokenization_spaces: true,
    added_tokens_decoder: decoder,
  };
}
