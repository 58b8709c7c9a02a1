import { computeBleu, corpusBleu, tokenize13a } from './bleu';

// Reference values from sacreBLEU's own test suite (test/test_bleu.py, sacreBLEU 2.x).
const refs = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];
const hyps = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];

/** sacrebleu.raw_corpus_bleu: floor smoothing, no tokenisation, effective order. */
const raw = (h: string[], r: string[][], smoothValue?: number) =>
  corpusBleu(h, r, { smoothMethod: 'floor', smoothValue, tokenize: 'none', effectiveOrder: true });

describe('corpusBleu (sacreBLEU reference values)', () => {
  it.each([
    [{}, 48.530827],
    [{ tokenize: 'none' as const }, 49.1919566],
    [{ tokenize: '13a' as const }, 48.530827],
    [{ smoothMethod: 'none' as const }, 48.530827],
  ])('README example with %p gives %p', (opts, expected) => {
    expect(Math.abs(corpusBleu(hyps, refs, opts).score - expected)).toBeLessThan(1e-6);
  });

  it('keeps empty hypotheses and scores them 0', () => {
    expect(corpusBleu(['', '', ''], refs).score).toBe(0);
  });

  it.each([[1, '77.65'], [2, '60.50'], [3, '53.93'], [4, '48.53'], [5, '46.14'], [6, '43.28']])(
    'max n-gram order %p gives %p',
    (order, expected) => {
      expect(corpusBleu(hyps, refs, { maxNgramOrder: order }).score.toFixed(2)).toBe(expected);
    },
  );

  it.each([
    [['this is a test', 'another test'], [['ref1', 'ref2']], 0],
    [['this is a test'], [['this is a test']], 1],
    [['this is a fest'], [['this is a test']], 0.223606797749979],
    [['test'], [['a test']], 0.3678794411714425],
    [['a test'], [['a test']], 1],
    [['a little test'], [['a test']], 0.03218297948685433],
  ])('raw corpus BLEU of %p against %p is %p', (h, r, expected) => {
    expect(Math.abs(raw(h, r, 0.01).score / 100 - expected)).toBeLessThan(1e-8);
  });

  it('counts matched and total n-grams like sacreBLEU', () => {
    const s = raw(['am I am a character sequence'], [['I am a symbol string sequence a a']], 0.01);
    expect(s.counts).toEqual([4, 2, 1, 0]);
    expect(s.totals).toEqual([6, 5, 4, 3]);
  });

  it('applies the floor offset as sacreBLEU does', () => {
    const h = ['am I am a character sequence'];
    const r = [['I am a symbol string sequence a a']];
    expect(raw(h, r, 0).score).toBe(0);
    expect(Math.abs(raw(h, r).score / 100 - 0.1555722182)).toBeLessThan(1e-8);
  });

  it('scores sufficient statistics like BLEU.compute_bleu', () => {
    expect(Math.abs(computeBleu([9, 7, 5, 3], [10, 8, 6, 4], 11, 11).score / 100 - 0.8375922397)).toBeLessThan(1e-8);
  });

  it.each([
    [[0, 0, 0, 0], [4, 4, 2, 1], 0, 1, 0],
    [[0, 0, 0, 0], [10, 11, 12, 0], 14, 10, 0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0],
    [[6, 5, 4, 0], [6, 5, 4, 3], 6, 6, 0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.1],
    [[0, 0, 0, 0], [0, 0, 0, 0], 1, 5, 0.01],
  ])('degenerate statistics %p/%p score 0', (c, t, sys, ref, offset) => {
    expect(computeBleu(c, t, sys, ref, { smoothMethod: 'floor', smoothValue: offset }).score).toBe(0);
  });

  it('lower-cases when asked', () => {
    expect(corpusBleu(['THE DOG BIT THE MAN.'], [['the dog bit the man.']], { lowercase: true }).score).toBeCloseTo(100, 10);
  });

  it('rejects reference streams of the wrong length', () => {
    expect(() => corpusBleu(['a'], [['a', 'b']])).toThrow(/reference stream/);
  });
});

describe('tokenize13a', () => {
  it('splits punctuation but keeps decimal numbers and unescapes entities', () => {
    expect(tokenize13a('It costs $3.50, &quot;cheap&quot;!')).toBe('It costs $ 3.50 , " cheap " !');
    expect(tokenize13a('1990-2000 e.g.')).toBe('1990 - 2000 e . g .');
  });
});
