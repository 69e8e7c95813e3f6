/**
 * Unigram's best path through one word, with the best path to *every* position kept, so the
 * pieces of a long word's prefix can be proven to be the whole word's first pieces.
 *
 * The search mirrors transformers.js' `TokenLattice` step for step — nodes in the same order
 * (by start, then as the vocabulary trie yields them, then `<unk>` where no single character
 * matched), the same sums, the same strict `>` so the first of equal scores wins — so its pieces
 * are exactly the ones transformers.js finds. Unlike it, nothing is cloned per node: a 4 MB word
 * costs memory in proportion to the prefix searched, not to the word.
 *
 * Why a prefix is enough: the best path to a position depends only on the characters before it.
 * The whole word's path has a boundary somewhere in the last `longestPiece` positions of any
 * prefix (the piece covering the prefix's last character starts there), and before that boundary
 * it *is* the best path to it. So the pieces every best path into those positions share are the
 * whole word's first pieces, whatever follows.
 */

/** A node of transformers.js' vocabulary trie: children by code point, `is_leaf` where a piece ends. */
export interface TrieNode {
  is_leaf: boolean;
  children: Map<string, TrieNode>;
}

/** The parts of transformers.js' Unigram model this search reads. */
export interface UnigramVocabulary {
  trie: { root: TrieNode };
  tokens_to_ids: Map<string, number>;
  scores: number[];
  unk_token_id: number;
  unk_score: number;
}

/** What a search needs, prepared once per model. */
export interface UnigramSearch {
  vocabulary: UnigramVocabulary;
  /** The longest piece, in code points: how far back a prefix's last boundary can lie. */
  longest: number;
  /** Every character some piece contains; any other becomes <unk>, alone. */
  known: ReadonlySet<string>;
}

/** Prepares `vocabulary` (transformers.js' Unigram model, whose `vocab` lists the pieces) for searching. */
export function prepareUnigramSearch(vocabulary: UnigramVocabulary & { vocab: readonly string[] }): UnigramSearch {
  let longest = 1;
  const known = new Set<string>();
  for (const piece of vocabulary.vocab) {
    if (typeof piece !== 'string') continue;
    let length = 0;
    for (const character of piece) {
      known.add(character);
      length++;
    }
    longest = Math.max(longest, length);
  }
  return { vocabulary, longest, known };
}

/**
 * A searched word: every node's start, length and best score, and where each best path comes from,
 * in typed arrays (a 4 MB run of unknown characters is millions of nodes).
 */
class WordLattice {
  starts = new Int32Array(0);
  lengths = new Int32Array(0);
  /** Token id of each node (<unk> for unknown characters). */
  ids = new Int32Array(0);
  scores = new Float64Array(0);
  /** Node before each node on its best path; -1 is the start of the word. */
  previous = new Int32Array(0);
  /** Next node ending at the same position, in insertion order; -1 ends the list. */
  nextEnding = new Int32Array(0);
  count = 0;
  /** First and last node ending at each position; -1 when none. */
  readonly firstEnding: Int32Array;
  readonly lastEnding: Int32Array;

  constructor(
    readonly chars: readonly string[],
    { vocabulary, known }: UnigramSearch,
  ) {
    const length = chars.length;
    this.firstEnding = new Int32Array(length + 1).fill(-1);
    this.lastEnding = new Int32Array(length + 1).fill(-1);
    this.grow(Math.min(length * 2 + 16, 4096));
    const { root } = vocabulary.trie;
    for (let position = 0; position < length; position++) {
      if (!known.has(chars[position] as string)) {
        position = this.addUnknownRun(position, known, vocabulary.unk_token_id, vocabulary.unk_score) - 1;
        continue;
      }
      // The trie's common-prefix search, shortest piece first, as transformers.js walks it.
      let hasSingleCharacter = false;
      let node: TrieNode | undefined = root;
      let piece = '';
      for (let end = position; end < length; end++) {
        const character = chars[end] as string;
        node = node.children.get(character);
        if (node === undefined) break;
        piece += character;
        if (!node.is_leaf) continue;
        const id = vocabulary.tokens_to_ids.get(piece) as number;
        this.add(position, end - position + 1, id, vocabulary.scores[id] as number);
        if (end === position) hasSingleCharacter = true;
      }
      if (!hasSingleCharacter) this.add(position, 1, vocabulary.unk_token_id, vocabulary.unk_score);
    }
  }

  /** The best node ending at `position` (first of equal scores); -1 at the word's start. */
  bestEndingAt(position: number): number {
    let bestScore = 0;
    let bestNode = -1;
    for (let node = this.firstEnding[position] as number; node !== -1; node = this.nextEnding[node] as number) {
      const score = this.scores[node] as number;
      if (bestNode === -1 || score > bestScore) {
        bestScore = score;
        bestNode = node;
      }
    }
    return bestNode;
  }

  /** Nodes of the best path to `position`, first to last. */
  pathTo(position: number): number[] {
    const path: number[] = [];
    for (let node = position === 0 ? -1 : this.bestEndingAt(position); node !== -1; node = this.previous[node] as number) path.push(node);
    return path.reverse();
  }

  piece(node: number): string {
    const start = this.starts[node] as number;
    return this.chars.slice(start, start + (this.lengths[node] as number)).join('');
  }

  /**
   * Adds a node and links it to its best predecessor: the node ending at `start` whose score plus
   * this piece's is highest, the first of equals — computed as TokenLattice does, sum by sum, so
   * rounding picks the same node.
   */
  private add(start: number, length: number, id: number, pieceScore: number): void {
    let bestScore = 0 + pieceScore;
    let bestNode = -1;
    if (start > 0) {
      for (let node = this.firstEnding[start] as number; node !== -1; node = this.nextEnding[node] as number) {
        const score = (this.scores[node] as number) + pieceScore;
        if (bestNode === -1 || score > bestScore) {
          bestScore = score;
          bestNode = node;
        }
      }
    }
    if (this.count === this.starts.length) this.grow(this.count * 2);
    const node = this.count++;
    this.starts[node] = start;
    this.lengths[node] = length;
    this.ids[node] = id;
    this.scores[node] = bestScore;
    this.previous[node] = bestNode;
    this.nextEnding[node] = -1;
    const end = start + length;
    if (this.lastEnding[end] === -1) this.firstEnding[end] = node;
    else this.nextEnding[this.lastEnding[end] as number] = node;
    this.lastEnding[end] = node;
  }

  /**
   * A run of characters no piece contains, from `start`: TokenLattice gives each its own <unk>
   * node, chained (nothing else can start or end inside the run), and transformers.js then fuses
   * them into one. Here the run is one node, its score summed character by character as the chain
   * would be. Returns where the run ends.
   */
  private addUnknownRun(start: number, known: ReadonlySet<string>, unknownId: number, unknownScore: number): number {
    let end = start + 1;
    while (end < this.chars.length && !known.has(this.chars[end] as string)) end++;
    this.add(start, end - start, unknownId, unknownScore);
    const node = this.count - 1;
    let score = this.scores[node] as number;
    for (let index = start + 1; index < end; index++) score += unknownScore;
    this.scores[node] = score;
    return end;
  }

  private grow(capacity: number): void {
    const resize = <T extends Int32Array | Float64Array>(array: T, make: (size: number) => T): T => {
      const bigger = make(capacity);
      bigger.set(array);
      return bigger;
    };
    this.starts = resize(this.starts, (size) => new Int32Array(size));
    this.lengths = resize(this.lengths, (size) => new Int32Array(size));
    this.ids = resize(this.ids, (size) => new Int32Array(size));
    this.scores = resize(this.scores, (size) => new Float64Array(size));
    this.previous = resize(this.previous, (size) => new Int32Array(size));
    this.nextEnding = resize(this.nextEnding, (size) => new Int32Array(size));
  }
}

function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * The pieces of `chars` (a whole word) as transformers.js' Unigram finds them, with each run of
 * unknown characters already fused into one piece, as transformers.js fuses them before they
 * become ids.
 */
export function unigramPieces(chars: readonly string[], search: UnigramSearch): string[] {
  const lattice = new WordLattice(chars, search);
  return lattice.pathTo(chars.length).map((node) => lattice.piece(node));
}

/** The first pieces of a word, and whether they are all of it. */
export interface WordPrefix {
  pieces: string[];
  whole: boolean;
}

/**
 * The first pieces of the word `chars` — at least `minIds + 1` ids' worth when the word has that
 * many (a run of unknown pieces is one id), all of it when it is short — searching only a prefix
 * that is grown until the pieces it proves reach that count.
 */
export function unigramWordPrefix(chars: readonly string[], search: UnigramSearch, minIds: number): WordPrefix {
  // Four characters per id covers most text without spaces in one search (the first guess is the costly one to miss).
  for (let searched = Math.max(64, 4 * minIds + 2 * search.longest); ; searched *= 2) {
    if (searched >= chars.length) return { pieces: unigramPieces(chars, search), whole: true };
    const lattice = new WordLattice(chars.slice(0, searched), search);
    const proven = sharedPath(lattice, Math.max(0, searched - search.longest + 1), searched);
    if (fusedCount(lattice, proven, search.vocabulary.unk_token_id) > minIds) return { pieces: proven.map((node) => lattice.piece(node)), whole: false };
  }
}

/** How many ids `nodes` become once runs of <unk> are fused. */
function fusedCount(lattice: WordLattice, nodes: readonly number[], unknownId: number): number {
  let count = 0;
  let previousUnknown = false;
  for (const node of nodes) {
    const unknown = lattice.ids[node] === unknownId;
    if (!(unknown && previousUnknown)) count++;
    previousUnknown = unknown;
  }
  return count;
}

/** The nodes the best paths to every position in `from..to` have in common (a common start). */
function sharedPath(lattice: WordLattice, from: number, to: number): number[] {
  const path = lattice.pathTo(to);
  // Paths are chains back to the word's start: once a path meets this one, they share everything
  // before. Walk each other path back to where it meets this one; the earliest meeting bounds
  // what all share.
  const depth = new Map<number, number>();
  path.forEach((node, index) => depth.set(node, index));
  let shared = path.length;
  for (let position = from; position < to && shared > 0; position++) {
    let node = position === 0 ? -1 : lattice.bestEndingAt(position);
    while (node !== -1 && !depth.has(node)) node = lattice.previous[node] as number;
    shared = Math.min(shared, node === -1 ? 0 : (depth.get(node) as number) + 1);
  }
  return path.slice(0, shared);
}
