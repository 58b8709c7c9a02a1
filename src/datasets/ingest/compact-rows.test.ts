import { Readable } from 'node:stream';
import { readDataset } from '../../trainer/dataset-rows';
import { isCompactLine, parseCompactLine } from './canonical-line';
import { ingest } from './ingest';
import { syntheticRatings } from './synthetic';
import { chunked, CollectingSink } from './test-support';
import type { IngestOptions, IngestResult } from './types';

const REC = { task: 'RECOMMENDATION', format: 'CSV', maxBytes: 1 << 30 } as const;

/**
 * Ingests `data` three ways: JSONL, compact lines (plain rows read by the WebAssembly reader),
 * and compact lines read in JavaScript only; the last two must give the same bytes and result.
 */
async function both(data: string | Buffer, opts: Partial<IngestOptions>, chunkSize = 64 * 1024) {
  const out: { result: IngestResult; text: string }[] = [];
  for (const [compactRows, plainRowReader] of [[false, false], [true, true], [true, false]]) {
    const sink = new CollectingSink();
    const result = await ingest(chunked(data, chunkSize), sink, { ...REC, ...opts, compactRows, plainRowReader });
    out.push({ result, text: sink.text() });
  }
  expect(out[1].text).toBe(out[2].text);
  expect(out[1].result).toEqual(out[2].result);
  return { jsonl: out[0], compact: out[1] };
}

type Lines = Record<'train' | 'validation' | 'test', number[]>;
async function read(text: string, chunkSize = 4096) {
  const lines: Lines = { train: [], validation: [], test: [] };
  const data = await readDataset('recommendation', chunked(text, chunkSize) as AsyncIterable<Buffer>, lines);
  return { data, lines };
}

// ── random recommendation files: plain rows (the byte path) and every kind of unusual one ──────
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T,>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
// Accepted, but not all of them as they are: Number() of the written text must give the row's value.
const RATINGS = ['3', '4.5', '0.5', '-2', '10', '4.0', '3.50', '+3', '03', '-0', '0', '-0.0', '.5', '5.', '1e2', '2E-1', '0.000001', '0.0000001',
  '123456789012345', '1234567890123456', '0.1', '-1.25', ' 3', '7.123456789012', '0001.100', '999999999.99999'];
const TIMESTAMPS = ['881250949', '0', '-5', '+7', '0012', '1.5', '2020-01-01T00:00:00Z', '', '1e9', '-0', '978300760', '12345678901234567', '1.0'];
const IDS = ['1', '196', 'u42', 'ü', 'a b', ' 7', '8 ', '0', '00', 'é€', 'id-9', '1.0', '"q,r"', 'x"y'];
// Row errors (a file with one is compared by its result only).
const BAD = { rating: ['x', '', '1e400', 'NaN', '1e18'], timestamp: ['soon'], userId: ['', ' '] } as const;

function randomFile(r: () => number): { text: string; opts: Partial<IngestOptions> } {
  const tsv = r() < 0.3;
  const d = tsv ? '\t' : ',';
  const withTimestamp = r() < 0.7;
  const extra = r() < 0.15;
  const shuffled = r() < 0.25;
  let names = ['userId', 'movieId', 'rating', ...(withTimestamp ? ['timestamp'] : []), ...(extra ? ['genre'] : [])];
  if (shuffled) names = [...names].sort(() => r() - 0.5);
  const header = r() < 0.7;
  const eol = r() < 0.2 ? '\r\n' : '\n';
  const rows: string[] = header ? [names.join(d)] : [];
  const n = 1 + Math.floor(r() * 120);
  const badRow = r() < 0.15 ? Math.floor(r() * n) : -1;
  for (let i = 0; i < n; i++) {
    const unusual = r() < 0.3;
    const value: Record<string, string> = {
      userId: unusual ? pick(r, IDS) : String(1 + Math.floor(r() * 50)),
      movieId: unusual ? pick(r, IDS) : String(1 + Math.floor(r() * 50)),
      rating: unusual ? pick(r, RATINGS) : pick(r, ['1', '2', '3', '4', '5', '0.5', '2.5', '4.5']),
      timestamp: unusual ? pick(r, TIMESTAMPS) : String(800000000 + Math.floor(r() * 1e8)),
      genre: pick(r, ['drama', 'x', '']),
    };
    if (i === badRow) {
      const field = pick(r, ['rating', 'timestamp', 'userId'] as const);
      value[field] = pick(r, BAD[field]);
    }
    const cells = names.map((k) => value[k]);
    if (i === badRow && r() < 0.2) cells.pop(); // wrong column count
    rows.push(r() < 0.02 ? '' : cells.join(d));
  }
  const text = rows.join(eol) + (r() < 0.8 ? eol : '');
  const columns = header ? undefined : Object.fromEntries(['userId', 'itemId', 'rating', 'timestamp'].map((f, k) => [f, String(names.indexOf(k === 1 ? 'movieId' : f))]).filter(([, i]) => i !== '-1'));
  return { text, opts: { format: tsv ? 'TSV' : 'CSV', hasHeader: header, ratingRange: { min: -1e17, max: 1e17 }, ...(columns ? { columns } : {}) } };
}

describe('compact canonical lines', () => {
  it('writes the input line behind a split digit when the columns are in canonical order', async () => {
    const csv = 'userId,movieId,rating,timestamp\n196,242,3,881250949\n186,302,3.5,\n22,377,1,878887116\n';
    const { compact } = await both(csv, { split: 'validation', previewRows: 0 });
    expect(compact.text).toBe('1,196,242,3,881250949\n1,186,302,3.5\n1,22,377,1,878887116\n');
    const tsv = await both('1\t2\t3\t4\n196\t242\t3\t881250949\r\n', { format: 'TSV', split: 'test', previewRows: 0 });
    expect(tsv.compact.text).toBe('{"split":"test","userId":"1","itemId":"2","rating":3,"timestamp":4}\n2\t196\t242\t3\t881250949\n'); // the first row finds the layout
  });

  it('assembles the line from the fields in another column order, and writes converted numbers', async () => {
    const csv = 'timestamp,rating,user,item\n881250949,4.0,u1,i9\n+12,-0,u2,i8\n0012,03,u3,i7\n7,1.50,u4,i6\n';
    const { jsonl, compact } = await both(csv, { split: 'train', previewRows: 0 });
    expect(compact.text).toBe('0,u1,i9,4,881250949\n0,u2,i8,0,12\n0,u3,i7,3,12\n0,u4,i6,1.5,7\n');
    expect(jsonl.text).toBe([
      '{"split":"train","userId":"u1","itemId":"i9","rating":4,"timestamp":881250949}',
      '{"split":"train","userId":"u2","itemId":"i8","rating":0,"timestamp":12}',
      '{"split":"train","userId":"u3","itemId":"i7","rating":3,"timestamp":12}',
      '{"split":"train","userId":"u4","itemId":"i6","rating":1.5,"timestamp":7}',
      '',
    ].join('\n'));
  });

  it('keeps JSONL for rows of the general path and for delimiters other than comma and tab', async () => {
    const csv = 'user,item,rating,ts\n"1",2,3,4\n 5,6,7,8\n9,10,1e1,2020-01-01T00:00:00Z\n11,12,2,\n';
    const { compact } = await both(csv, { split: 'train', previewRows: 0 });
    expect(compact.text.split('\n').filter(Boolean).map((l) => l[0])).toEqual(['{', '{', '{', '0']);
    const semi = await both('1;2;3;4\n5;6;7;8\n', { delimiter: ';', split: 'train', previewRows: 0 });
    expect(semi.compact.text).toBe(semi.jsonl.text);
    expect(semi.compact.text.startsWith('{')).toBe(true);
  });

  it('gives the same result and, through readDataset, the same rows as JSONL for 300 random files at random chunk sizes', async () => {
    const r = mulberry32(7);
    let compactLines = 0;
    let jsonLines = 0;
    let read2 = 0;
    for (let k = 0; k < 300; k++) {
      const { text, opts } = randomFile(r);
      const chunkSize = pick(r, [1, 2, 3, 7, 64, 4096, 65536]);
      const { jsonl, compact } = await both(text, { ...opts, previewRows: Math.floor(r() * 3) }, chunkSize);
      expect(compact.result).toEqual(jsonl.result);
      if (!jsonl.result.ok) continue;
      read2++;
      const lines = compact.text.split('\n').filter(Boolean);
      compactLines += lines.filter(isCompactLine).length;
      jsonLines += lines.length - lines.filter(isCompactLine).length;
      const fromJsonl = await read(jsonl.text, pick(r, [1, 5, 100]));
      const fromCompact = await read(compact.text, pick(r, [1, 5, 100]));
      expect(fromCompact).toEqual(fromJsonl); // toEqual tells -0 from 0 and 1 from '1'
    }
    expect(read2).toBeGreaterThan(200);
    expect(compactLines).toBeGreaterThan(1000);
    expect(jsonLines).toBeGreaterThan(100);
  });

  it('is about as large as the input for the bench file, and reads back as the same rows', async () => {
    const input = await collect(syntheticRatings({ bytes: 2 << 20, seed: 3 }));
    const { jsonl, compact } = await both(input, {});
    expect(compact.result).toEqual(jsonl.result);
    expect(compact.text.length).toBeLessThan(input.length * 1.1);
    expect(jsonl.text.length).toBeGreaterThan(input.length * 3);
    expect(await read(compact.text, 65536)).toEqual(await read(jsonl.text, 65536));
  });
});

describe('readDataset and compact lines', () => {
  it('reads a blob that mixes both forms, keeping line numbers', async () => {
    const blob = '0,1,2,3,4\n{"split":"test","userId":"5","itemId":"6","rating":7}\n\n2\tü\tx y\t-1.5\n1,a,b,1e-7\n';
    const { data, lines } = await read(blob, 1);
    expect(data).toEqual({
      train: [{ userId: '1', itemId: '2', rating: 3, timestamp: 4 }],
      validation: [{ userId: 'a', itemId: 'b', rating: 1e-7 }],
      test: [{ userId: '5', itemId: '6', rating: 7 }, { userId: 'ü', itemId: 'x y', rating: -1.5 }],
    });
    expect(lines).toEqual({ train: [1], validation: [5], test: [2, 4] });
  });

  it.each([
    ['3,1,2,3', 'dataset line 1 is not a compact row (split digit and delimiter)'],
    ['0;1;2;3', 'dataset line 1 is not a compact row (split digit and delimiter)'],
    ['0,1,2', 'dataset line 1 has 2 fields, not 3 or 4'],
    ['0,1,2,3,4,5', 'dataset line 1 has 5 fields, not 3 or 4'],
    ['0,,2,3', 'dataset line 1 has an empty id'],
    ['0,1,2,', 'dataset line 1 has a rating that is not a number'],
    ['0,1,2,x', 'dataset line 1 has a rating that is not a number'],
    ['0,1,2,3,Infinity', 'dataset line 1 has a timestamp that is not a number'],
  ])('refuses a damaged compact line %j as BAD_DATA', async (line, message) => {
    await expect(read(`${line}\n`)).rejects.toMatchObject({ code: 'BAD_DATA', message });
  });

  it('refuses a compact line in a dataset of another task', async () => {
    await expect(readDataset('classification', Readable.from(['0,1,2,3\n']))).rejects.toMatchObject({ code: 'BAD_DATA', message: 'dataset line 1 is a compact row, which only recommendation datasets have' });
  });

  it('decodes byte chunks that split a UTF-8 character', async () => {
    const { data } = await read('{"split":"train","userId":"€","itemId":"ü","rating":1}\n0,€€,ü,2\n', 1);
    expect(data.train).toEqual([{ userId: '€', itemId: 'ü', rating: 1 }, { userId: '€€', itemId: 'ü', rating: 2 }]);
  });

  it('parses what the compact writer writes, shaped like the JSONL object', () => {
    expect(parseCompactLine('2\t7\t8\t4.5\t-3')).toEqual({ split: 'test', userId: '7', itemId: '8', rating: 4.5, timestamp: -3 });
    expect(isCompactLine('{"split":"train"}')).toBe(false);
  });
});

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
