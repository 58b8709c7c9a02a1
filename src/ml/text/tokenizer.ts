/**
 * Subword (BPE) and character tokenizers trained on the dataset itself.
 *
 * One implementation serves both: a character tokenizer is a BPE tokenizer with no
 * merges. Text is cut into chunks (a run of letters, of digits or of other
 * non-space characters, with at most one leading space; or a single whitespace character); a leading space becomes the
 * piece marker `▁` as in SentencePiece. Characters outside the learned alphabet are
 * encoded as their UTF-8 bytes (`<0xE2>` …), so every string round-trips exactly:
 * `decode(encode(x)) === x`, emoji and unseen scripts included. The tokenizer does
 * not normalise; see `normalize.ts`.
 *
 * Ids: 0 `<pad>`, 1 `<s>`, 2 `</s>`, 3 `<unk>` (reserved), 4–259 the 256 bytes,
 * then the alphabet, then one piece per merge, in merge order.
 */

export const PAD_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const UNK_ID = 3;
const SPECIALS = ['<pad>', '<s>', '</s>', '<unk>'];
const BYTE_OFFSET = SPECIALS.length;
const FIRST_PIECE = BYTE_OFFSET + 256;
/** Marks a word-initial space inside a piece. */
export const SPACE_MARK = '\u2581';
/** A literal `▁` in the input: never in the alphabet, so it always goes through bytes. */
const ESCAPED_MARK = '\u0000\u2581';

export type TokenizerKind = 'bpe' | 'char';

export interface TokenizerJSON {
  format: 'tuneforge-tokenizer';
  version: 1;
  kind: TokenizerKind;
  /** Pieces from id 260 on: the alphabet, then merged pieces. */
  pieces: string[];
  /** Merge i joins pieces `merges[i][0]` and `merges[i][1]` (ids) into id `260 + alphabetSize + i`. */
  merges: Array<[number, number]>;
  alphabetSize: number;
}

export interface TrainTokenizerOptions {
  /** Target vocabulary size including the 260 specials and bytes (BPE only). Default 8000. */
  vocabSize?: number;
  /** Characters seen fewer times than this fall back to bytes. Default 2. */
  minCharFrequency?: number;
  /** Merges of pairs seen fewer times than this are not learned. Default 2. */
  minPairFrequency?: number;
}

// GPT-2 style pre-tokenisation: letter runs, digit runs and punctuation runs (each with at most
// one leading space) never merge with each other; every other whitespace character stands alone.
const CHUNK = / ?[\p{L}\p{M}]+| ?\p{N}+| ?[^\s\p{L}\p{M}\p{N}]+|\s/gu;

function chunks(text: string): string[] {
  return text.match(CHUNK) ?? [];
}

function symbolsOf(chunk: string): string[] {
  return Array.from(chunk, (c) => (c === ' ' ? SPACE_MARK : c === SPACE_MARK ? ESCAPED_MARK : c));
}

const utf8 = new TextEncoder();

/** The input character a symbol stands for (bytes always spell the original text). */
function originalChar(sym: string): string {
  return sym === SPACE_MARK ? ' ' : sym === ESCAPED_MARK ? SPACE_MARK : sym;
}

export class Tokenizer {
  readonly kind: TokenizerKind;
  private readonly pieces: string[];
  private readonly merges: Array<[number, number]>;
  private readonly alphabetSize: number;
  private readonly pieceId = new Map<string, number>();
  /** pairKey → [rank, merged id] */
  private readonly mergeRank = new Map<number, [number, number]>();
  private readonly cache = new Map<string, number[]>();

  constructor(json: TokenizerJSON) {
    if (json.format !== 'tuneforge-tokenizer' || json.version !== 1) throw new Error('not a tuneforge tokenizer (format/version)');
    this.kind = json.kind;
    this.pieces = json.pieces;
    this.merges = json.merges;
    this.alphabetSize = json.alphabetSize;
    json.pieces.forEach((p, i) => this.pieceId.set(p, FIRST_PIECE + i));
    json.merges.forEach(([a, b], i) => this.mergeRank.set(pairKey(a, b), [i, FIRST_PIECE + json.alphabetSize + i]));
  }

  get vocabSize(): number {
    return FIRST_PIECE + this.pieces.length;
  }

  /** Token ids of `text`, without `<s>`/`</s>`. */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const chunk of chunks(text)) {
      let ids = this.cache.get(chunk);
      if (ids === undefined) {
        ids = this.encodeChunk(chunk);
        if (this.cache.size < 100_000) this.cache.set(chunk, ids);
      }
      for (const id of ids) out.push(id);
    }
    return out;
  }

  /** Text of `ids`; `<pad>`, `<s>`, `</s>` and `<unk>` are skipped, decoding stops at nothing. */
  decode(ids: readonly number[]): string {
    let text = '';
    const bytes: number[] = [];
    const flush = () => {
      if (bytes.length > 0) {
        text += Buffer.from(bytes).toString('utf8');
        bytes.length = 0;
      }
    };
    for (const id of ids) {
      if (id < BYTE_OFFSET || id >= this.vocabSize) continue;
      if (id < FIRST_PIECE) {
        bytes.push(id - BYTE_OFFSET);
        continue;
      }
      flush();
      text += this.pieces[id - FIRST_PIECE].replaceAll(SPACE_MARK, ' ');
    }
    flush();
    return text;
  }

  /** The piece of an id, for debugging (`▁the`, `<0xF0>`, `</s>`). */
  idToPiece(id: number): string {
    if (id < BYTE_OFFSET) return SPECIALS[id] ?? '<?>';
    if (id < FIRST_PIECE) return `<0x${(id - BYTE_OFFSET).toString(16).toUpperCase().padStart(2, '0')}>`;
    return this.pieces[id - FIRST_PIECE] ?? '<?>';
  }

  toJSON(): TokenizerJSON {
    return { format: 'tuneforge-tokenizer', version: 1, kind: this.kind, pieces: this.pieces, merges: this.merges, alphabetSize: this.alphabetSize };
  }

  static fromJSON(json: unknown): Tokenizer {
    const j = json as Partial<TokenizerJSON> | null;
    if (!j || !Array.isArray(j.pieces) || !Array.isArray(j.merges) || typeof j.alphabetSize !== 'number' || (j.kind !== 'bpe' && j.kind !== 'char')) {
      throw new Error('invalid tokenizer JSON');
    }
    return new Tokenizer(j as TokenizerJSON);
  }

  private encodeChunk(chunk: string): number[] {
    const ids: number[] = [];
    for (const sym of symbolsOf(chunk)) {
      const id = this.pieceId.get(sym);
      if (id !== undefined && id < FIRST_PIECE + this.alphabetSize) ids.push(id);
      else for (const b of utf8.encode(originalChar(sym))) ids.push(BYTE_OFFSET + b);
    }
    // Greedy BPE: repeatedly merge the adjacent pair learned earliest.
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      let bestId = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        const m = this.mergeRank.get(pairKey(ids[i], ids[i + 1]));
        if (m !== undefined && m[0] < bestRank) {
          bestRank = m[0];
          best = i;
          bestId = m[1];
        }
      }
      if (best < 0) return ids;
      ids.splice(best, 2, bestId);
    }
  }
}

function pairKey(a: number, b: number): number {
  return a * 1_048_576 + b;
}

function learnAlphabet(wordCounts: Map<string, number>, minFreq: number): string[] {
  const charCounts = new Map<string, number>();
  for (const [w, c] of wordCounts) for (const s of symbolsOf(w)) charCounts.set(s, (charCounts.get(s) ?? 0) + c);
  return [...charCounts.entries()]
    .filter(([s, c]) => c >= minFreq && s !== ESCAPED_MARK)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([s]) => s);
}

function countChunks(texts: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of texts) for (const ch of chunks(t)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  return counts;
}

/** A character tokenizer: every character seen `minCharFrequency` times is one token. */
export function trainCharTokenizer(texts: Iterable<string>, options: TrainTokenizerOptions = {}): Tokenizer {
  const alphabet = learnAlphabet(countChunks(texts), options.minCharFrequency ?? 2);
  return new Tokenizer({ format: 'tuneforge-tokenizer', version: 1, kind: 'char', pieces: alphabet, merges: [], alphabetSize: alphabet.length });
}

/**
 * Learns BPE merges on `texts` (deterministic: ties go to the lexicographically
 * smallest merged piece). Training cost grows with the number of distinct words,
 * not the corpus size.
 */
export function trainBpeTokenizer(texts: Iterable<string>, options: TrainTokenizerOptions = {}): Tokenizer {
  const vocabSize = options.vocabSize ?? 8000;
  const minPair = options.minPairFrequency ?? 2;
  const wordCounts = countChunks(texts);
  const alphabet = learnAlphabet(wordCounts, options.minCharFrequency ?? 2);
  const base = new Tokenizer({ format: 'tuneforge-tokenizer', version: 1, kind: 'bpe', pieces: alphabet, merges: [], alphabetSize: alphabet.length });

  const pieces = [...alphabet];
  const merges: Array<[number, number]> = [];
  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [w, c] of [...wordCounts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    words.push(base.encode(w));
    freqs.push(c);
  }
  const pairCounts = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  const addPairs = (wi: number, sign: number) => {
    const w = words[wi];
    for (let i = 0; i + 1 < w.length; i++) {
      const k = pairKey(w[i], w[i + 1]);
      pairCounts.set(k, (pairCounts.get(k) ?? 0) + sign * freqs[wi]);
      if (sign > 0) {
        let s = where.get(k);
        if (!s) where.set(k, (s = new Set()));
        s.add(wi);
      }
    }
  };
  words.forEach((_, wi) => addPairs(wi, 1));
  const pieceText = (id: number) => (id < FIRST_PIECE ? `\u0000${id}` : pieces[id - FIRST_PIECE]);

  while (FIRST_PIECE + pieces.length < vocabSize) {
    let bestKey = -1;
    let bestCount = 0;
    let bestText = '';
    for (const [k, c] of pairCounts) {
      if (c < minPair || c < bestCount) continue;
      const a = Math.floor(k / 1_048_576);
      const b = k % 1_048_576;
      // Byte pieces stay bytes: merging them would bake rare characters into the vocabulary.
      if (a < FIRST_PIECE || b < FIRST_PIECE) continue;
      const text = pieceText(a) + pieceText(b);
      if (c > bestCount || text < bestText) {
        bestKey = k;
        bestCount = c;
        bestText = text;
      }
    }
    if (bestKey < 0) break;
    const a = Math.floor(bestKey / 1_048_576);
    const b = bestKey % 1_048_576;
    const newId = FIRST_PIECE + pieces.length;
    pieces.push(bestText);
    merges.push([a, b]);
    for (const wi of where.get(bestKey) ?? []) {
      const w = words[wi];
      let has = false;
      for (let i = 0; i + 1 < w.length; i++) if (w[i] === a && w[i + 1] === b) has = true;
      if (!has) continue;
      addPairs(wi, -1);
      const merged: number[] = [];
      for (let i = 0; i < w.length; i++) {
        if (i + 1 < w.length && w[i] === a && w[i + 1] === b) {
          merged.push(newId);
          i++;
        } else merged.push(w[i]);
      }
      words[wi] = merged;
      addPairs(wi, 1);
    }
    pairCounts.delete(bestKey);
    where.delete(bestKey);
  }
  return new Tokenizer({ format: 'tuneforge-tokenizer', version: 1, kind: 'bpe', pieces, merges, alphabetSize: alphabet.length });
}
