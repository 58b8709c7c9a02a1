import { parse as csvParse } from 'csv-parse/sync';
import { DelimitedParser, type ParseIssue } from './delimited-parser';
import { LineSplitter } from './line-splitter';

function parseAll(text: string, chunkSize: number, maxFieldChars = 1 << 20, delimiter = ','): [string[], number, ParseIssue | null][] {
  const out: [string[], number, ParseIssue | null][] = [];
  const parser = new DelimitedParser({ delimiter, maxFieldChars }, (fields, line, issue) => out.push([fields, line, issue]));
  for (let i = 0; i < text.length; i += chunkSize) parser.push(text.slice(i, i + chunkSize));
  parser.end();
  return out;
}

describe('DelimitedParser', () => {
  const tricky = 'a,b,c\r\n"x, y","he said ""hi""","multi\r\nline\nfield"\n\n,,\n"",plain "quote" inside,z\r\nlast,row,no-newline';

  it('agrees with csv-parse on well-formed CSV at every chunk size', () => {
    const expected = csvParse(tricky, { relax_quotes: true, skip_empty_lines: true, relax_column_count: true, record_delimiter: ['\r\n', '\n'] }) as string[][];
    for (const size of [1, 2, 3, 5, 8, 64, 4096]) {
      expect(parseAll(tricky, size).map(([f]) => f)).toEqual(expected);
    }
  });

  it('reports the line where each record starts, across embedded CRLF/LF newlines', () => {
    expect(parseAll(tricky, 3).map(([, line]) => line)).toEqual([1, 2, 6, 7, 8]);
  });

  it('reports a bad closing quote and an unclosed quote, then resumes at the next record', () => {
    const records = parseAll('1,"x"y\n2,3\n4,"never closed\n5,6\n', 4);
    expect(records.map(([f, l, i]) => [l, i?.code ?? null, f.length])).toEqual([[1, 'BAD_QUOTE', 2], [2, null, 2], [3, 'UNCLOSED_QUOTE', 2]]);
  });

  it('drops a field over the limit without buffering it, and reports FIELD_TOO_LARGE with its column', () => {
    const big = 'x'.repeat(5000);
    const records = parseAll(`a,${big}\nb,"${big}"\nc,d\n`, 333, 1000);
    expect(records.map(([f, l, i]) => [l, i?.code ?? null, i?.column ?? null, f[1].length])).toEqual([
      [1, 'FIELD_TOO_LARGE', 1, 0], [2, 'FIELD_TOO_LARGE', 1, 0], [3, null, null, 1],
    ]);
  });

  it('splits on any one-character delimiter (PhraseBank @)', () => {
    expect(parseAll('Profit rose .@positive\r\n', 2, 1000, '@').map(([f]) => f)).toEqual([['Profit rose .', 'positive']]);
  });
});

describe('LineSplitter', () => {
  it('numbers lines across chunks, strips CR, skips blank lines and reports an oversized line once', () => {
    const got: [string, number][] = [];
    const big: number[] = [];
    const splitter = new LineSplitter(10, (text, line) => got.push([text, line]), (line) => big.push(line));
    const text = 'a\r\n\nbb\n0123456789012345\nc';
    for (let i = 0; i < text.length; i += 3) splitter.push(text.slice(i, i + 3));
    splitter.end();
    expect(got).toEqual([['a', 1], ['bb', 3], ['c', 5]]);
    expect(big).toEqual([4]);
  });
});
