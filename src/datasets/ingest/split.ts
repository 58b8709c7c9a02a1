/** Split ratios; must each be ≥ 0 and sum to 1. */
// Hot-path globals bound once: under Jest's vm context every global lookup is slow.
const { imul } = Math;
export interface SplitRatios { train: number; validation: number; test: number }
export type SplitName = keyof SplitRatios;

const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

export const DEFAULT_SPLITS: SplitRatios = { train: 0.8, validation: 0.1, test: 0.1 };

/**
 * A 32-bit avalanche hash of (seed, line) (murmur3's finaliser over a golden-ratio mix), so
 * assignment depends only on where a row sits in the file and the seed, never on the order or
 * speed of processing: the same file and seed always give the same splits.
 */
export function splitHash(seed: number, line: number): number {
  let h = (imul(line, 0x9e3779b1) ^ imul(seed | 0, 0x85ebca6b) ^ (seed / 0x100000000) | 0) >>> 0;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A split rule as numbers, for code outside JavaScript (the WebAssembly row reader): the split of
 * line `l` is train when `h < trainCut`, validation when `h < validationCut`, else test, where `h`
 * is `splitHash` with the seed's part precomputed: murmur3's finaliser of `imul(l, 0x9e3779b1) ^ seedMix`.
 */
export interface SplitCuts { seedMix: number; trainCut: number; validationCut: number }

/** Assigns a row (identified by the line it starts on) to a split. */
export class SplitAssigner {
  private readonly trainCut: number;
  private readonly validationCut: number;

  constructor(private readonly seed: number, ratios: SplitRatios) {
    this.trainCut = ratios.train * 0x100000000;
    this.validationCut = (ratios.train + ratios.validation) * 0x100000000;
  }

  assign(line: number): SplitName {
    return SPLITS[this.assignIndex(line)];
  }

  /** 0 train, 1 validation, 2 test. */
  assignIndex(line: number): number {
    const h = splitHash(this.seed, line);
    return h < this.trainCut ? 0 : h < this.validationCut ? 1 : 2;
  }

  cuts(): SplitCuts {
    const seed = this.seed;
    return { seedMix: (imul(seed | 0, 0x85ebca6b) ^ (seed / 0x100000000)) | 0, trainCut: this.trainCut, validationCut: this.validationCut };
  }
}

/** Every split to one: the rows of a per-split file (split files, like SageMaker channels). */
export class FixedSplit {
  private readonly index: number;
  constructor(split: SplitName) {
    this.index = SPLITS.indexOf(split);
  }

  assignIndex(_line: number): number {
    return this.index;
  }

  /** Every hash (< 2^32) below the cut of its split and at or above the one before. */
  cuts(): SplitCuts {
    const all = 0x100000000;
    return { seedMix: 0, trainCut: this.index === 0 ? all : 0, validationCut: this.index <= 1 ? all : 0 };
  }
}

/** Anything that decides a row's split from its line: the seeded hash or a fixed split. */
export interface SplitSource { assignIndex(line: number): number; cuts(): SplitCuts }

/**
 * Values a user's split column may hold, compared after trimming and lower-casing: the Hugging
 * Face split names, Vertex AI's `ml_use` values (`training`, `validation`, `test`) and common
 * short forms.
 */
const SPLIT_VALUES: ReadonlyMap<string, number> = new Map([
  ['train', 0], ['training', 0],
  ['validation', 1], ['valid', 1], ['val', 1], ['dev', 1], ['validate', 1],
  ['test', 2], ['testing', 2],
]);

/** For messages: the accepted values, in one line. */
export const ACCEPTED_SPLIT_VALUES = [...SPLIT_VALUES.keys()].join(', ');

/** 0 train, 1 validation, 2 test, or −1 for a value that names no split. */
export function splitIndexOf(value: string): number {
  return SPLIT_VALUES.get(value.trim().toLowerCase()) ?? -1;
}
