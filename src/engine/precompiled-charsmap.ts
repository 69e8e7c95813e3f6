/**
 * The `Precompiled` normalizer of a tokenizer.json: sentencepiece's normalization rules (the
 * `nmt_nfkc` rules for XLM-R, so bge-reranker-v2-m3), as Hugging Face `tokenizers` applies them.
 *
 * The `precompiled_charsmap` is a little-endian u32 byte count, a double-array trie of that many
 * bytes (one u32 per unit) keyed by UTF-8 bytes, then the replacement strings, each ended by a NUL;
 * a trie leaf's value is the byte offset of its replacement. The rules are applied the way the
 * reference applies them, quirks included, because scores must match it and not an ideal NFKC:
 * - text is taken one extended grapheme cluster at a time;
 * - a cluster of fewer than 6 UTF-8 bytes whose bytes start with some rule's key is replaced,
 *   whole, by the replacement of the *shortest* such key (so `o` + U+0308 + U+0304 becomes `ö`);
 * - otherwise each code point of the cluster is replaced by its own rule, or kept.
 *
 * Pure TypeScript on Web APIs (`atob`, `TextDecoder`, `Intl.Segmenter`): it runs in browsers too.
 */

/** Clusters this long (in UTF-8 bytes) or longer are looked up code point by code point. */
const WHOLE_CLUSTER_LIMIT = 6;

/** Most characters given to the segmenter at once. */
const SEGMENTER_WINDOW = 128;

/** Clusters remembered with their replacement; text repeats its clusters. */
const CLUSTER_CACHE_SIZE = 4_096;

/** One trie lookup's key, reused: a cluster looked up whole is under {@link WHOLE_CLUSTER_LIMIT} bytes. */
const KEY_CAPACITY = 8;

export class PrecompiledCharsmap {
  private readonly units: Uint32Array;
  private readonly replacements: Uint8Array;
  private readonly replacementAt = new Map<number, string>();
  private readonly key = new Uint8Array(KEY_CAPACITY);
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly clusters = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  /** Per plain character (see {@link plainWidth}) looked up so far: its replacement, null when kept. */
  private readonly plainReplacements = new Map<number, string | null>();
  private readonly clusterReplacements = new Map<string, string>();

  /** Reads a charsmap's bytes; throws when they are not one. */
  constructor(bytes: Uint8Array) {
    if (bytes.length < 4) throw new Error('The precompiled_charsmap is too short to hold its trie size.');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const trieBytes = view.getUint32(0, true);
    if (trieBytes === 0 || trieBytes % 4 !== 0 || 4 + trieBytes > bytes.length) {
      throw new Error(`The precompiled_charsmap declares a trie of ${trieBytes} bytes in ${bytes.length - 4}.`);
    }
    this.units = new Uint32Array(trieBytes / 4);
    for (let index = 0; index < this.units.length; index++) this.units[index] = view.getUint32(4 + 4 * index, true);
    this.replacements = bytes.subarray(4 + trieBytes);
  }

  /** A charsmap from tokenizer.json's base64 `precompiled_charsmap`. */
  static fromBase64(encoded: string): PrecompiledCharsmap {
    const binary = atob(encoded);
    const bytes = new Uint8Array(binary.length);
    for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
    return new PrecompiledCharsmap(bytes);
  }

  /** `text` with the rules applied, as the reference's `Precompiled` normalizer gives it. */
  normalize(text: string): string {
    const parts: string[] = [];
    // Start of the run of characters the rules leave as they are, copied in one slice.
    let keptFrom = 0;
    let index = 0;
    let width = plainWidth(text, 0);
    while (index < text.length) {
      // `index` is always a cluster boundary; a plain character followed by another (or by the end)
      // is a cluster alone, so most text needs no segmenter.
      if (width > 0) {
        const after = index + width;
        const nextWidth = after < text.length ? plainWidth(text, after) : 1;
        if (nextWidth > 0) {
          const replacement = this.mapPlain(text, index, width);
          if (replacement !== null) {
            parts.push(text.slice(keptFrom, index), replacement);
            keptFrom = after;
          }
          index = after;
          width = nextWidth;
          continue;
        }
      }
      parts.push(text.slice(keptFrom, index));
      keptFrom = index = this.mapClustersFrom(text, index, parts);
      width = plainWidth(text, index);
    }
    parts.push(text.slice(keptFrom));
    return parts.join('');
  }

  /**
   * Maps the clusters from `start` (a cluster boundary) up to the next certain boundary, at most
   * one segmenter window of them, into `parts`; returns where it stopped (a cluster boundary).
   * The window keeps segmenter calls short: their cost grows faster than their length.
   */
  private mapClustersFrom(text: string, start: number, parts: string[]): number {
    const limit = Math.min(text.length, start + SEGMENTER_WINDOW);
    const end = nextPlainBoundary(text, start + 1, limit);
    const clusters = [...this.clusters.segment(text.slice(start, end))];
    // Cut by the window, the last cluster may be longer in the text: keep it for the next call.
    const whole = end === text.length || end < limit || clusters.length === 1 ? clusters.length : clusters.length - 1;
    for (let index = 0; index < whole; index++) parts.push(this.mapCluster((clusters[index] as Intl.SegmentData).segment));
    const last = clusters[whole - 1] as Intl.SegmentData;
    return start + last.index + last.segment.length;
  }

  /** The replacement of the plain character of `width` code units at `index`, or null when the rules keep it. */
  private mapPlain(text: string, index: number, width: number): string | null {
    const point = width === 1 ? text.charCodeAt(index) : (text.codePointAt(index) as number);
    let replacement = this.plainReplacements.get(point);
    if (replacement === undefined) {
      const character = text.slice(index, index + width);
      replacement = this.lookup(character, utf8Length(character)) ?? null;
      this.plainReplacements.set(point, replacement);
    }
    return replacement;
  }

  private mapCluster(cluster: string): string {
    let mapped = this.clusterReplacements.get(cluster);
    if (mapped === undefined) {
      if (this.clusterReplacements.size >= CLUSTER_CACHE_SIZE) this.clusterReplacements.clear();
      mapped = this.mapClusterUncached(cluster);
      this.clusterReplacements.set(cluster, mapped);
    }
    return mapped;
  }

  private mapClusterUncached(cluster: string): string {
    const length = utf8Length(cluster);
    if (length < WHOLE_CLUSTER_LIMIT) {
      const replacement = this.lookup(cluster, length);
      if (replacement !== undefined) return replacement;
    }
    let output = '';
    for (const codePoint of cluster) output += this.mapCodePoint(codePoint);
    return output;
  }

  private mapCodePoint(codePoint: string): string {
    return this.lookup(codePoint, utf8Length(codePoint)) ?? codePoint;
  }

  /** The replacement of the shortest rule whose key starts the UTF-8 bytes of `text`; undefined when none does. */
  private lookup(text: string, byteLength: number): string | undefined {
    const key = byteLength <= KEY_CAPACITY ? this.key : new Uint8Array(byteLength);
    writeUtf8(text, key);
    const { units } = this;
    let position = unitOffset(units[0] as number);
    for (let index = 0; index < byteLength; index++) {
      const byte = key[index] as number;
      if (byte === 0) return undefined;
      position ^= byte;
      const unit = units[position];
      if (unit === undefined || unitLabel(unit) !== byte) return undefined;
      position ^= unitOffset(unit);
      if (unitHasLeaf(unit)) return this.replacement(unitValue(units[position] ?? 0));
    }
    return undefined;
  }

  private replacement(offset: number): string {
    let text = this.replacementAt.get(offset);
    if (text === undefined) {
      let end = offset;
      while (end < this.replacements.length && this.replacements[end] !== 0) end++;
      text = this.decoder.decode(this.replacements.subarray(offset, end));
      this.replacementAt.set(offset, text);
    }
    return text;
  }
}

// A double-array unit packs: bits 0-7 the label, bit 8 "has a leaf", bits 10-31 the offset to the
// children (shifted left by 8 more when bit 9 is set); a leaf unit's low 31 bits are its value.
function unitHasLeaf(unit: number): boolean {
  return ((unit >>> 8) & 1) === 1;
}

function unitValue(unit: number): number {
  return unit & 0x7fffffff;
}

function unitLabel(unit: number): number {
  return (unit & 0x800000ff) >>> 0;
}

function unitOffset(unit: number): number {
  return (unit >>> 10) << ((unit & 0x200) >>> 6);
}

/**
 * Characters with a cluster boundary on both sides whenever their neighbour is one of them too:
 * letters, digits, punctuation, symbols and spaces that do not extend or join a cluster, prefix
 * one, take part in Indic conjunct sequences, or are Hangul jamo, emoji modifiers or regional
 * indicators (CR is out too: CR LF is one cluster). Hangul syllables are in: one only joins a
 * following jamo, which is not. Emoji are in: only a joiner before one makes it join.
 */
const PLAIN = /^[\p{L}\p{N}\p{P}\p{S}\p{Zs}\p{Cc}\p{Extended_Pictographic}]$/u;
const NOT_PLAIN = /^[\p{Grapheme_Extend}\p{Regional_Indicator}\p{Emoji_Modifier}\u0e33\u0eb3\u0900-\u0dff\u1000-\u11ff\u1780-\u17ff\u1a20-\u1aaf\u1b00-\u1bff\u3130-\u318f\ua960-\ua97f\ua980-\ua9df\ud7b0-\ud7ff\uffa0-\uffdf\r]$/u;

/** Plainness of each BMP code unit: 0 not looked up yet, 1 plain, 2 not. */
const plainness = new Uint8Array(0x10000);
/** Plainness of astral code points looked up so far. */
const astralPlainness = new Map<number, boolean>();

function isPlainCharacter(character: string): boolean {
  return PLAIN.test(character) && !NOT_PLAIN.test(character);
}

/** Code units of the plain character at `index`; 0 when it is not plain (or is a lone surrogate). */
function plainWidth(text: string, index: number): number {
  if (index >= text.length) return 0;
  const code = text.charCodeAt(index);
  if (code < 0xd800 || code > 0xdfff) {
    let known = plainness[code] as number;
    if (known === 0) {
      known = isPlainCharacter(String.fromCharCode(code)) ? 1 : 2;
      plainness[code] = known;
    }
    return known === 1 ? 1 : 0;
  }
  const point = text.codePointAt(index) as number;
  if (point < 0x10000) return 0;
  let plain = astralPlainness.get(point);
  if (plain === undefined) {
    plain = isPlainCharacter(String.fromCodePoint(point));
    astralPlainness.set(point, plain);
  }
  return plain ? 2 : 0;
}

/** Whether the character ending just before `index` is plain. */
function plainBefore(text: string, index: number): boolean {
  const code = text.charCodeAt(index - 1);
  const start = code >= 0xdc00 && code <= 0xdfff && index >= 2 ? index - 2 : index - 1;
  return plainWidth(text, start) === index - start;
}

/** The first index in `from`..`limit` between two plain characters (a certain cluster boundary), or `limit`. */
function nextPlainBoundary(text: string, from: number, limit: number): number {
  for (let index = from; index < limit; index++) {
    if (plainWidth(text, index) > 0 && plainBefore(text, index)) return index;
  }
  return limit;
}

function utf8Length(text: string): number {
  let length = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) {
      length += 4;
      index++;
    } else length += 3;
  }
  return length;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function writeUtf8(text: string, into: Uint8Array): void {
  let at = 0;
  for (const character of text) {
    const point = character.codePointAt(0) as number;
    if (point < 0x80) into[at++] = point;
    else if (point < 0x800) {
      into[at++] = 0xc0 | (point >> 6);
      into[at++] = 0x80 | (point & 0x3f);
    } else if (point < 0x10000) {
      into[at++] = 0xe0 | (point >> 12);
      into[at++] = 0x80 | ((point >> 6) & 0x3f);
      into[at++] = 0x80 | (point & 0x3f);
    } else {
      into[at++] = 0xf0 | (point >> 18);
      into[at++] = 0x80 | ((point >> 12) & 0x3f);
      into[at++] = 0x80 | ((point >> 6) & 0x3f);
      into[at++] = 0x80 | (point & 0x3f);
    }
  }
}
