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
  /** Per plain BMP character (see {@link isPlain}): its replacement, null when kept, undefined when not looked up yet. */
  private readonly plainReplacements: (string | null | undefined)[] = [];
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
    while (index < text.length) {
      const code = text.charCodeAt(index);
      // `index` is always a cluster boundary; a plain character followed by another (or by the end)
      // is a cluster alone, so most text needs no segmenter.
      if (isPlain(code) && (index + 1 === text.length || isPlain(text.charCodeAt(index + 1)))) {
        const replacement = this.mapPlain(code);
        if (replacement !== null) {
          parts.push(text.slice(keptFrom, index), replacement);
          keptFrom = index + 1;
        }
        index++;
        continue;
      }
      parts.push(text.slice(keptFrom, index));
      keptFrom = index = this.mapClustersFrom(text, index, parts);
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

  /** The replacement of a plain character, or null when the rules keep it. */
  private mapPlain(code: number): string | null {
    let replacement = this.plainReplacements[code];
    if (replacement === undefined) {
      const character = String.fromCharCode(code);
      replacement = this.lookup(character, utf8Length(character)) ?? null;
      this.plainReplacements[code] = replacement;
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
 * one, take part in emoji or Indic conjunct sequences, or are Hangul jamo (CR is out too: CR LF is
 * one cluster). Hangul syllables are in: one only joins a following jamo, which is not.
 */
const PLAIN = /^[\p{L}\p{N}\p{P}\p{S}\p{Zs}\p{Cc}]$/u;
const NOT_PLAIN = /^[\p{Grapheme_Extend}\p{Extended_Pictographic}\p{Regional_Indicator}\p{Emoji_Modifier}\u0e33\u0eb3\u0900-\u0dff\u1000-\u11ff\u1780-\u17ff\u1a20-\u1aaf\u1b00-\u1bff\u3130-\u318f\ua960-\ua97f\ua980-\ua9df\ud7b0-\ud7ff\uffa0-\uffdf\r]$/u;

/** Plainness of each BMP code unit: 0 not looked up yet, 1 plain, 2 not. */
const plainness = new Uint8Array(0x10000);

function isPlain(code: number): boolean {
  let known = plainness[code] as number;
  if (known === 0) {
    // Surrogates are never plain: astral characters go through the segmenter.
    const character = String.fromCharCode(code);
    known = code < 0xd800 || code > 0xdfff ? (PLAIN.test(character) && !NOT_PLAIN.test(character) ? 1 : 2) : 2;
    plainness[code] = known;
  }
  return known === 1;
}

/** The first index in `from`..`limit` between two plain characters (a certain cluster boundary), or `limit`. */
function nextPlainBoundary(text: string, from: number, limit: number): number {
  for (let index = from; index < limit; index++) {
    if (isPlain(text.charCodeAt(index - 1)) && isPlain(text.charCodeAt(index))) return index;
  }
  return limit;
}

function utf8Length(text: string): number {
  let length = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      length += 4;
      index++;
    } else length += 3;
  }
  return length;
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
