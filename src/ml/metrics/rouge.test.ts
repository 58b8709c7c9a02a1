import { porterStem } from './porter-stemmer';
import { corpusRouge, lcsLength, rougeScore } from './rouge';

// Reference values from rouge-score's test suite (rouge/rouge_scorer_test.py), whose
// "ground truth" comes from manual runs of ROUGE-1.5.5, and its testdata lines 1–2.
const TARGETS = [
  "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L",
  "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN",
];
const PREDICTIONS = [
  "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi",
  "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD",
];

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(5e-6);

describe('rougeScore (rouge-score reference values)', () => {
  it('ROUGE-1 of "testing one two" vs "testing"', () => {
    const r = rougeScore('testing one two', 'testing').rouge1;
    close(r.precision, 1);
    close(r.recall, 1 / 3);
    close(r.fmeasure, 1 / 2);
  });

  it('scores an empty prediction 0', () => {
    const r = rougeScore('testing one two', '');
    for (const s of [r.rouge1, r.rouge2, r.rougeL]) expect(s).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
  });

  it('ROUGE-2 and ROUGE-L (consecutive and not)', () => {
    const r2 = rougeScore('testing one two', 'testing one').rouge2;
    close(r2.precision, 1);
    close(r2.recall, 1 / 2);
    close(r2.fmeasure, 2 / 3);
    for (const pred of ['testing one', 'testing two']) {
      const l = rougeScore('testing one two', pred).rougeL;
      close(l.precision, 1);
      close(l.recall, 2 / 3);
      close(l.fmeasure, 4 / 5);
    }
  });

  it.each([
    // [index, stem, metric, recall, precision, f]
    [0, false, 'rouge1', 0.40741, 0.6875, 0.51163],
    [1, false, 'rouge1', 0.40476, 0.65385, 0.5],
    [0, true, 'rouge1', 0.40741, 0.6875, 0.51163],
    [1, true, 'rouge1', 0.42857, 0.69231, 0.52941],
    [0, false, 'rouge2', 0.30769, 0.53333, 0.39024],
    [1, false, 'rouge2', 0.29268, 0.48, 0.36364],
    [0, true, 'rouge2', 0.30769, 0.53333, 0.39024],
    [1, true, 'rouge2', 0.29268, 0.48, 0.36364],
    [0, false, 'rougeL', 0.40741, 0.6875, 0.51163],
    [1, false, 'rougeL', 0.40476, 0.65385, 0.5],
  ] as const)('agrees with ROUGE-1.5.5 on testdata line %p (stem %p) for %p', (i, stem, metric, r, p, f) => {
    const s = rougeScore(TARGETS[i], PREDICTIONS[i], { useStemmer: stem })[metric];
    expect(Math.abs(s.recall - r)).toBeLessThan(5e-6);
    expect(Math.abs(s.precision - p)).toBeLessThan(5e-6);
    expect(Math.abs(s.fmeasure - f)).toBeLessThan(5e-6);
  });

  it('computes the LCS of the rouge-score table example', () => {
    expect(lcsLength(['1', '2', '3', '4', '5'], ['2', '5', '3', '4'])).toBe(3);
    expect(lcsLength(['1', '2'], ['8', '9'])).toBe(0);
  });

  it('averages F1 over a corpus on a 0–100 scale', () => {
    const c = corpusRouge(['testing one two', 'testing one two'], ['testing', 'testing one two']);
    close(c.rouge1, 75);
  });
});

describe('porterStem', () => {
  it.each([
    ['caresses', 'caress'], ['ponies', 'poni'], ['cats', 'cat'], ['feed', 'feed'], ['agreed', 'agre'],
    ['plastered', 'plaster'], ['motoring', 'motor'], ['hopping', 'hop'], ['filing', 'file'], ['happy', 'happi'],
    ['relational', 'relat'], ['conditional', 'condit'], ['generalization', 'gener'], ['hopeful', 'hope'],
    ['goodness', 'good'], ['revival', 'reviv'], ['adoption', 'adopt'], ['controll', 'control'], ['rate', 'rate'],
    ['running', 'run'], ['meetings', 'meet'],
  ])('stems %p to %p (Porter 1980 examples)', (w, s) => {
    expect(porterStem(w)).toBe(s);
  });
});
