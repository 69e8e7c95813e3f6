/**
 * Texts for the differential test against Hugging Face `tokenizers`: generated, deterministic,
 * and aimed at where tokenizers disagree — scripts, joiners, stacked marks, half-width forms,
 * jamo, byte-order marks, special-token look-alikes, every whitespace, controls, random code
 * points, and long texts around every truncation boundary.
 */
import { mulberry32 } from '../standin/prng.js';

/** One generated text and the family it belongs to (for counts per family). */
export interface ParityText {
  family: string;
  text: string;
}

const ENGLISH = 'the quick brown fox jumps over a lazy dog while rerankers score every document against the query'.split(' ');

/** Letters of scripts the model is for; each string is a pool of characters. */
const SCRIPTS: Record<string, string> = {
  latin: 'aàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿšžłőűčřęąśźżğışđ',
  cyrillic: 'абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ',
  greek: 'αβγδεζηθικλμνξοπρστυφχψωάέήίόύώϊϋΐΰς',
  arabic: 'ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأؤإئىة\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652',
  hebrew: 'אבגדהוזחטיכלמנסעפצקרשתםןףץך\u05b0\u05b4\u05bc',
  devanagari: 'अआइईउऊएऐओऔकखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसह\u093e\u093f\u0940\u0941\u0942\u0947\u0948\u094b\u094c\u094d\u0902\u0901',
  thai: 'กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮะาำิีึืุูเแโใไ่้๊๋็์',
  cjk: '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴跑环怕团',
  japanese: 'あいうえおかきくけこがぎぐげごさしすせそたちつてとなにぬねのはひふへほばびぶべぼぱぴぷぺぽまみむめもやゆよらりるれろわをんアイウエオカキクケコガギグゲゴサシスセソタチツテトナニヌネノハヒフヘホバビブベボパピプペポマミムメモヤユヨラリルレロワヲンー',
  hangul: '가각간갇갈감갑값강개객거건걸검겁게겨격견결겸경계고곡곤골곰곱공과관광괴교구국군굴굽궁권귀규균그극근글금급기긴길김까깨꼬꽃꾸끄끝나낙난날남납낭내냉너널네녀년념녕노녹논놀농뇌누눈뉴느늘능니님다닥단달담답당대댁더덕던덜덤도독돈돌동두둑둘둥뒤드득든들등디따때또뚜뜨뜻띠라락란람랑래랭량러럭런럼레려력련렬렴령례로록론롱뢰료룡루류륙륜률르른름릉리린림립마막만많말맑맘망매맥맨맹머먹먼멀멈메며면멸명모목몰몸못몽묘무묵문물뭐므미민밀밑바박반받발밝밤밥방배백뱀버번벌범법벗벽변별병보복본볼봄봉부북분불붉붓붕비빈빌빗빛빠빨뻐뼈뽑뿌쁘삐사삭산살삼상새색생서석선설섬섭성세소속손솔송쇠수숙순술숨숫쉬스슬습승시식신실심십싱싸쌀쌍써쏘쓰씨아악안알암압앙애액야약양어억언얼엄업엉에여역연열염엽영예오옥온올옷와완왕외요욕용우욱운울움웃원월위유육윤율융으은을음응의이익인일임입잇있잊자작잔잘잠잡장재쟁저적전절점접정제조족존졸종좋좌죄주죽준줄중쥐즈즉즐증지직진질짐집징짜짧째쪽찌차착찬찰참창채책처척천철첨첩청체초촉촌총최추축춘출춤충취측층치칙친칠침칭카칼커컴케코콩쿠크큰키타탁탄탈탐탑탕태택터테토톤통퇴투트특틀티파판팔패퍼페편평폐포폭표푸품풍프피필핏하학한할함합항해핵행향허헌험혀혁현혈협형혜호혹혼홀홍화확환활황회획횟효후훈훌훨휘휴흉흐흑흔흘흙흥희흰히힘',
};

/** Every White_Space character, and the look-alikes some tokenizers treat as whitespace. */
const WHITESPACE = ['\t', '\n', '\u000b', '\f', '\r', ' ', '\u0085', '\u00a0', '\u1680', '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\u180e', '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u2060', '\ufeff', '\u2581', '\r\n'];

const SPECIAL_LOOKALIKES = ['<s>', '</s>', '<pad>', '<unk>', '<mask>', '＜mask＞', '＜/s＞', '＜s＞', '<mask', 'mask>', '<<mask>>', '< mask >', '<MASK>', '<\u200bmask>', '\ufeff<mask>', '<mask>\ufeff', '</s></s>', '<s><mask></s>'];

/** ZWJ sequences, skin tones, flags, keycaps, variation selectors. */
const EMOJI_SEQUENCES = ['👨\u200d👩\u200d👧\u200d👦', '👩\u200d💻', '🏳\ufe0f\u200d🌈', '👍🏽', '👋🏿', '🇫🇷', '🇯🇵🇰🇷', '1\ufe0f\u20e3', '#\u20e3', '❤\ufe0f', '☺\ufe0e', '🧑\u200d🤝\u200d🧑', 'x\u200dy', 'a\u200cb', '🫠', '😀😃😄'];

/** Half-width and full-width forms, with the sound marks that join the character before them. */
const WIDTH_FORMS = ['ｶﾞ', 'ﾊﾟ', 'ｷﾞｬ', 'ﾃﾞｽ', 'ｱｲｳｴｵ', 'ﾞ', 'ﾟ', 'ｰ', '｡｢｣､･', 'Ｈｅｌｌｏ', 'ＡＢＣ１２３', '！？', 'ﾡﾢﾣ', '\uffa0', '￦￥', 'カ\u3099', 'ハ\u309a', '\u3099', 'ｶ\u3099'];

/** Conjoining jamo (which NFC composes), compatibility jamo, and syllables beside them. */
const JAMO = ['\u1100\u1161', '\u1100\u1161\u11a8', '\u1112\u1161\u11ab\u1100\u1173\u11af', '\u1100', '\u1161', '\u11a8', '가\u11a8', '\u1100가', 'ㄱㅏ', 'ㅎㅏㄴ', '\u115f\u1160', '\ua960\ud7b0', '\u1100\u1100\u1161'];

const COMBINING_RANGES: [number, number][] = [
  [0x0300, 0x036f],
  [0x1ab0, 0x1ace],
  [0x1dc0, 0x1dff],
  [0x20d0, 0x20f0],
  [0xfe20, 0xfe2f],
];

/** Code points where Unicode versions' NFKC tables differ, and other rarely seen forms. */
const RARE = ['\u{1f16c}', '\ua7f2', '\u32ff', '\u{1fbf0}', '\u{1d400}', 'ﬁ', 'ﬃ', '①', '⑴', '㍿', '㈱', '™', '½', 'ℌ', 'Ω', 'Å', 'K', 'ǅ', 'ẞ', 'İ', 'ı', 'ﷺ', '\u{10fffd}', '\ue000', '\ufffd', '\ufffe', '\u{1f600}'];

interface Generator {
  random: () => number;
  pick<T>(items: readonly T[]): T;
  int(low: number, high: number): number;
}

function generator(seed: number): Generator {
  const next = mulberry32(seed);
  const random = (): number => next() / 4294967296;
  return {
    random,
    pick: (items) => items[Math.floor(random() * items.length)] as (typeof items)[number],
    int: (low, high) => low + Math.floor(random() * (high - low + 1)),
  };
}

function word(g: Generator, script: string): string {
  if (script === 'english') return g.pick(ENGLISH);
  const pool = [...(SCRIPTS[script] as string)];
  let text = '';
  for (let index = g.int(1, 8); index > 0; index--) text += g.pick(pool);
  return text;
}

function sentence(g: Generator, script: string, words: number): string {
  return Array.from({ length: words }, () => word(g, g.random() < 0.25 ? 'english' : script)).join(' ');
}

/** A code point that is not a surrogate (strings for the reference must be valid UTF-8). */
function randomCodePoint(g: Generator): string {
  for (;;) {
    const plane = g.random();
    const point = plane < 0.7 ? g.int(0, 0xffff) : plane < 0.9 ? g.int(0x10000, 0x1ffff) : g.int(0x20000, 0x10ffff);
    if (point < 0xd800 || point > 0xdfff) return String.fromCodePoint(point);
  }
}

function combiningMark(g: Generator): string {
  const [low, high] = g.pick(COMBINING_RANGES);
  return String.fromCodePoint(g.int(low, high));
}

/** Puts `inserts` at random places between words of `base`. */
function sprinkle(g: Generator, base: string, inserts: () => string, count: number): string {
  const parts = base.split(' ');
  for (let index = 0; index < count; index++) {
    const at = g.int(0, parts.length);
    parts.splice(at, 0, inserts());
  }
  return parts.join(g.random() < 0.8 ? ' ' : '');
}

/** The families and how many texts each gets. */
const FAMILIES: [string, number, (g: Generator) => string][] = [
  ['scripts', 2400, (g) => sentence(g, g.pick(Object.keys(SCRIPTS)), g.int(1, 24))],
  ['english', 600, (g) => sentence(g, 'english', g.int(1, 40))],
  ['zwj-emoji', 700, (g) => sprinkle(g, sentence(g, 'english', g.int(0, 8)), () => g.pick(EMOJI_SEQUENCES), g.int(1, 4))],
  [
    'combining-marks',
    900,
    (g) =>
      sprinkle(
        g,
        sentence(g, 'latin', g.int(1, 6)),
        () => g.pick([...'aeiouoxyzAEOÖ']) + Array.from({ length: g.int(1, 4) }, () => combiningMark(g)).join(''),
        g.int(1, 4),
      ),
  ],
  ['width-forms', 700, (g) => sprinkle(g, sentence(g, g.pick(['japanese', 'english']), g.int(0, 6)), () => g.pick(WIDTH_FORMS), g.int(1, 4))],
  ['jamo', 600, (g) => sprinkle(g, sentence(g, 'hangul', g.int(0, 6)), () => g.pick(JAMO), g.int(1, 4))],
  [
    'byte-order-mark',
    600,
    (g) => {
      const base = sentence(g, g.pick(['english', 'latin', 'cjk']), g.int(0, 6));
      const where = g.int(0, 3);
      if (where === 0) return `\ufeff${base}`;
      if (where === 1) return `${base}\ufeff`;
      if (where === 2) return `${base}\ufeff${g.pick(SPECIAL_LOOKALIKES)}${sentence(g, 'english', 2)}`;
      return sprinkle(g, base, () => '\ufeff', g.int(1, 3));
    },
  ],
  ['special-tokens', 1000, (g) => sprinkle(g, sentence(g, 'english', g.int(0, 8)), () => g.pick(SPECIAL_LOOKALIKES) + (g.random() < 0.3 ? g.pick(WHITESPACE) : ''), g.int(1, 4))],
  [
    'whitespace',
    1000,
    (g) => {
      const pad = (): string => Array.from({ length: g.int(0, 3) }, () => g.pick(WHITESPACE)).join('');
      const words = Array.from({ length: g.int(0, 8) }, () => word(g, g.pick(['english', 'latin', 'cjk'])));
      return pad() + words.map((item) => item + pad()).join(g.pick(WHITESPACE)) + pad();
    },
  ],
  ['controls-and-rare', 500, (g) => sprinkle(g, sentence(g, 'english', g.int(0, 6)), () => g.pick([...RARE, String.fromCodePoint(g.int(0, 0x1f)), String.fromCodePoint(g.int(0x7f, 0x9f))]), g.int(1, 5))],
  ['random-code-points', 1000, (g) => Array.from({ length: g.int(1, 30) }, () => (g.random() < 0.15 ? ' ' : randomCodePoint(g))).join('')],
];

/** Far past every limit: what is kept must still be the start of the whole text's tokens. */
function farPastEveryLimit(g: Generator): ParityText[] {
  return Array.from({ length: 10 }, () => ({
    family: 'long',
    text: sprinkle(g, sentence(g, g.pick(['english', 'latin', 'cjk']), 3000), () => g.pick([...EMOJI_SEQUENCES, ...JAMO, '\ufeff', '<mask>', 'ｶﾞ']), 200),
  }));
}

/**
 * At least 10,000 texts: {@link FAMILIES}' counts, then texts far past every limit. The same seed
 * gives the same texts. Texts sized to the token at each truncation boundary are
 * {@link sizedText}'s, since sizing them needs the reference tokenizer's counts.
 */
export function parityTexts(seed = 2222): ParityText[] {
  const g = generator(seed);
  const texts: ParityText[] = [];
  for (const [family, count, make] of FAMILIES) {
    for (let index = 0; index < count; index++) texts.push({ family, text: make(g) });
  }
  return [...texts, ...farPastEveryLimit(g)];
}

/** The scripts boundary texts are written in; `mixed` is English with the hard cases sprinkled in. */
export const BOUNDARY_SCRIPTS = ['english', 'cjk', 'hangul', 'mixed'] as const;
export type BoundaryScript = (typeof BOUNDARY_SCRIPTS)[number];

/**
 * Hard cases for `mixed` whose token counts add up: no text of only whitespace, none starting with
 * a mark that joins the space before it, none ending in U+FEFF (after `<mask>`, it is a "▁" of its
 * own or nothing, depending on whether a `<mask>` follows and swallows the space).
 */
const MIXED_INSERTS = [
  ...EMOJI_SEQUENCES,
  ...JAMO.filter((item) => !/^[\u1160-\u11ff]/u.test(item)),
  ...SPECIAL_LOOKALIKES.filter((item) => !item.endsWith('\ufeff')),
  '\ufeff',
  'o\u0308\u0304',
  'ｶﾞ',
  'ﾊﾟ',
  'Ｈｅｌｌｏ',
];

/**
 * Words that boundary texts are made of, per script: joined by single spaces, a text's token count
 * is the sum of its words' counts (Metaspace splits at every space; no word is whitespace or
 * starts with a mark that would join the space before it).
 */
export function boundaryWords(seed = 2223): Record<BoundaryScript, string[]> {
  const g = generator(seed);
  const words = (make: () => string): string[] => [...new Set(Array.from({ length: 200 }, make))];
  return {
    english: [...ENGLISH],
    cjk: words(() => word(g, 'cjk')),
    hangul: words(() => word(g, 'hangul')),
    mixed: [...ENGLISH, ...MIXED_INSERTS],
  };
}

/**
 * A text of exactly `tokens` tokens: `filler` (a word of one token) at both ends, and between them
 * words drawn at random from `words`, topped up with `filler`. Each word comes with its count
 * between two fillers (where a special token, say, also brings the "▁" of the space before it);
 * words of no tokens there are left out.
 */
export function sizedText(words: readonly (readonly [word: string, tokens: number])[], filler: string, tokens: number, seed: number): string {
  if (tokens <= 2) return Array.from({ length: tokens }, () => filler).join(' ');
  const g = generator(seed);
  const usable = words.filter(([, count]) => count > 0);
  const chosen: string[] = [];
  let total = 2;
  for (let misses = 0; misses < 8 && total < tokens; ) {
    const [item, count] = g.pick(usable);
    if (total + count > tokens) {
      misses++;
      continue;
    }
    chosen.push(item);
    total += count;
  }
  for (; total < tokens; total++) chosen.splice(g.int(0, chosen.length), 0, filler);
  return [filler, ...chosen, filler].join(' ');
}

/**
 * Named cases on the real model's normalizer (the charsmap), one per way transformers.js' own
 * pipeline differs from the reference there; each text differs in its normalized form or its ids.
 */
export const REGRESSION_CASES: Readonly<Record<string, readonly string[]>> = {
  // The charsmap turns U+FEFF into a space, as transformers.js does, except where `<mask>` takes it for whitespace.
  'a byte-order mark before <mask> is kept, not swallowed as whitespace': ['the dog\ufeff<mask>', '\ufeff<mask>', 'the dog \ufeff<mask>'],
  'a full-width look-alike of a special token stays text': ['＜mask＞', '＜s＞', '＜/s＞'],
  'the charsmap decides joiners, stacked marks, half-width sound marks and jamo': ['👨\u200d👩\u200d👧', 'x\u200dy', 'o\u0308\u0304', 'e\u0301\u0302', 'ｶﾞ', '\u1100\u1161\u11a8', 'the ﾊﾟ dog'],
};

/**
 * Named cases for a tokenizer.json that asks for NFKC: code points newer than `tokenizers`' Unicode
 * tables, which the runtime's NFKC decomposes and the reference keeps.
 */
export const NFKC_REGRESSION_CASES: Readonly<Record<string, readonly string[]>> = {
  'code points newer than the reference\'s Unicode tables stay as they are under NFKC': ['\u{1f16c} the', 'the \ua7f2', '\u32ff', '\u{1fbf0}9', 'x\u{1e030}\u0301'],
};
