import { BOS_ID, EOS_ID, PAD_ID, Tokenizer, trainBpeTokenizer, trainCharTokenizer } from './tokenizer';
import { normalizeText } from './normalize';
import { splitSentences } from './sentences';

const corpus = [
  'Ein Mann fährt mit dem Fahrrad über die Straße.',
  'Zwei Hunde spielen im Schnee.',
  'Eine Frau mit einem Hut lächelt.',
  'Ein Mädchen läuft über die Wiese.',
  'A man rides a bicycle across the street.',
  'Two dogs are playing in the snow.',
  'A woman in a hat is smiling.',
].flatMap((s) => [s, s.toLowerCase()]);

const tricky = [
  'Größe, Übermaß und Äpfel — schön süß!',
  'Emoji: 👩‍👩‍👧 🚴🏽‍♀️ 🇩🇪 ok',
  '  leading, trailing  and\tmixed \n whitespace  ',
  'never seen: 漢字 Ελληνικά עברית',
  'a literal ▁ marker and <s> </s> text',
  'e\u0301 decomposed vs é composed',
  '',
];

describe('Tokenizer', () => {
  const bpe = trainBpeTokenizer(corpus, { vocabSize: 400 });
  const char = trainCharTokenizer(corpus);

  it.each(tricky)('BPE and char round-trip %p exactly', (text) => {
    expect(bpe.decode(bpe.encode(text))).toBe(text);
    expect(char.decode(char.encode(text))).toBe(text);
  });

  it('learns merges so frequent words become few tokens', () => {
    expect(bpe.kind).toBe('bpe');
    expect(bpe.encode(' über die').length).toBeLessThan(char.encode(' über die').length);
    expect(bpe.vocabSize).toBeLessThanOrEqual(400);
  });

  it('survives JSON serialization unchanged', () => {
    const again = Tokenizer.fromJSON(JSON.parse(JSON.stringify(bpe.toJSON())));
    for (const t of [...corpus, ...tricky]) expect(again.encode(t)).toEqual(bpe.encode(t));
    expect(again.vocabSize).toBe(bpe.vocabSize);
  });

  it('is deterministic', () => {
    expect(trainBpeTokenizer(corpus, { vocabSize: 400 }).toJSON()).toEqual(bpe.toJSON());
  });

  it('skips special ids when decoding', () => {
    const ids = bpe.encode('Zwei Hunde');
    expect(bpe.decode([BOS_ID, ...ids, EOS_ID, PAD_ID, PAD_ID])).toBe('Zwei Hunde');
  });

  it('rejects malformed JSON', () => {
    expect(() => Tokenizer.fromJSON({ kind: 'bpe' })).toThrow(/invalid tokenizer/);
  });

  it('trains on an empty corpus (everything falls back to bytes)', () => {
    const t = trainBpeTokenizer([]);
    expect(t.decode(t.encode('Grüße 😀'))).toBe('Grüße 😀');
  });
});

describe('normalizeText', () => {
  it('composes, collapses whitespace and lower-cases', () => {
    expect(normalizeText('  Ü\u0308ber\u200B  DIE\nStraße ', { lowercase: true })).toBe('ü\u0308ber die straße'.normalize('NFC'));
  });
});

describe('splitSentences', () => {
  it('splits on sentence punctuation and lines but not on abbreviations', () => {
    expect(splitSentences('Hi John.\nPlease see Dr. Smith at 3 p.m. today. Thanks!\n\nBest, Ann')).toEqual([
      'Hi John.',
      'Please see Dr. Smith at 3 p.m. today.',
      'Thanks!',
      'Best, Ann',
    ]);
  });
});
