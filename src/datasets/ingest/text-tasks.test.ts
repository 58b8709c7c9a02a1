import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chunked, itWithDataset, run } from './test-support';
import type { ClassificationStats, SummarizationStats, TranslationStats } from './types';

describe('translation ingest', () => {
  itWithDataset('multi30k-en-de/train.de.gz', 'loads Multi30k pairs zipped into a TSV (de→en), gzipped, with length stats', async (deFile) => {
    const de = zlib.gunzipSync(fs.readFileSync(deFile)).toString('utf8').split('\n').slice(0, 500);
    const en = zlib.gunzipSync(fs.readFileSync(path.join(path.dirname(deFile), 'train.en.gz'))).toString('utf8').split('\n').slice(0, 500);
    const tsv = 'source\ttarget\n' + de.map((d, i) => `${d}\t${en[i]}`).join('\n') + '\n';
    const { result, rows } = await run(chunked(zlib.gzipSync(Buffer.from(tsv)), 1000), { task: 'TRANSLATION', format: 'TSV' });
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.rowCount).toBe(500);
    expect(result.columnMapping).toEqual({ source: 'source', target: 'target' });
    expect(rows[0]).toEqual({ split: expect.any(String), source: de[0], target: en[0] });
    const stats = result.stats as TranslationStats;
    expect(stats.task).toBe('TRANSLATION');
    expect(stats.target.tokens.mean).toBeGreaterThan(10);
    expect(stats.target.tokens.mean).toBeLessThan(16); // README: 13.0 words per English sentence
    expect(stats.source.chars.p50).toBeLessThanOrEqual(stats.source.chars.p90);
    expect(stats.source.chars.p90).toBeLessThanOrEqual(stats.source.chars.max);
    expect(stats.source.tokens.approximate).toBe(false);
  });

  it('reads JSONL {"source","target"} and mapped names, and CSV with quoted commas and newlines', async () => {
    const jsonl = '{"source":"Hallo Welt","target":"Hello world"}\n{"src":"x","tgt":"y"}\n';
    const a = await run(jsonl, { task: 'TRANSLATION', format: 'JSONL' });
    expect(a.result.rowCount).toBe(1);
    expect(a.result.errors).toEqual([{ line: 2, field: 'source', code: 'MISSING_FIELD', message: 'line 2: "source" is missing' }]);
    const b = await run('{"de":"Hallo","en":"Hello"}\n', { task: 'TRANSLATION', format: 'JSONL', columns: { source: 'de', target: 'en' } });
    expect(b.rows).toEqual([{ split: expect.any(String), source: 'Hallo', target: 'Hello' }]);
    expect(b.result.columnMapping).toEqual({ source: 'de', target: 'en' });
    const c = await run('source,target\n"Guten Tag, Welt","Good day,\r\nworld"\nfoo,\n', { task: 'TRANSLATION', format: 'CSV' });
    expect(c.rows[0]).toMatchObject({ source: 'Guten Tag, Welt', target: 'Good day,\r\nworld' });
    expect(c.result.errors).toEqual([{ line: 4, field: 'target', code: 'EMPTY_FIELD', message: 'line 4: target is empty' }]);
  });
});

describe('summarization ingest', () => {
  itWithDataset('aeslc/dev.jsonl', 'loads AESLC dev.jsonl with email_body/subject_line mapped: 1,960 rows (its README)', async (file) => {
    const { result, rows } = await run(fs.createReadStream(file) as unknown as import('node:stream').Readable, {
      task: 'SUMMARIZATION', format: 'JSONL', columns: { document: 'email_body', summary: 'subject_line' },
    });
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.rowCount).toBe(1960);
    expect(rows[0].summary).toBe('Confirmation: Risk Management Simulation Meeting 10/30/01');
    expect(Object.keys(rows[0])).toEqual(['split', 'document', 'summary']);
    const stats = result.stats as SummarizationStats;
    expect(stats.summary.tokens.mean).toBeCloseTo(4.1, 0); // README: 4.10 mean subject words
    expect(stats.document.tokens.mean).toBeGreaterThan(100); // README: 124.5 mean body words
    expect(stats.document.tokens.p99).toBeGreaterThan(stats.document.tokens.p50);
  });

  it('reports a JSONL line that is not JSON, not an object, or misses a field, and skips blank lines', async () => {
    const jsonl = '{"document":"a b c","summary":"a"}\n\n{not json}\n[1,2]\n"text"\n{"document":"x"}\r\n{"document":"","summary":"s"}\n{"document":5,"summary":"s"}\n';
    const { result } = await run(jsonl, { task: 'SUMMARIZATION', format: 'JSONL' });
    expect(result.rowCount).toBe(1);
    expect(result.errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [3, null, 'INVALID_JSON'], [4, null, 'NOT_AN_OBJECT'], [5, null, 'NOT_AN_OBJECT'], [6, 'summary', 'MISSING_FIELD'],
      [7, 'document', 'EMPTY_FIELD'], [8, 'document', 'INVALID_TYPE'],
    ]);
  });
});

describe('classification ingest', () => {
  itWithDataset('financial-phrasebank/Sentences_50Agree.txt', 'loads PhraseBank sentence@label as latin1: 4,846 rows, 3 labels with the README counts', async (file) => {
    const { result, rows } = await run(fs.createReadStream(file) as unknown as import('node:stream').Readable, {
      task: 'CLASSIFICATION', format: 'CSV', delimiter: '@', encoding: 'latin1', hasHeader: false,
    });
    expect(result.errors).toEqual([]);
    expect(result.rowCount).toBe(4846);
    const stats = result.stats as ClassificationStats;
    expect(stats.labels).toEqual({ neutral: 2879, positive: 1363, negative: 604 });
    expect(stats.labelCount).toBe(3);
    expect(rows.some((r) => typeof r.text === 'string' && /[ñ£®äö]/.test(r.text))).toBe(true);
    expect(rows.every((r) => !String(r.text).includes('\uFFFD') && !String(r.label).includes('\r'))).toBe(true);
    // as UTF-8 the same bytes are invalid: each affected row is an error naming its line
    const asUtf8 = await run(fs.createReadStream(file) as unknown as import('node:stream').Readable, {
      task: 'CLASSIFICATION', format: 'CSV', delimiter: '@', hasHeader: false,
    });
    expect(asUtf8.result.ok).toBe(false);
    expect(asUtf8.result.errors[0]).toMatchObject({ code: 'INVALID_UTF8', field: 'text' });
    expect(asUtf8.result.rowCount + asUtf8.result.errorCount).toBe(4846);
  });

  itWithDataset('financial-phrasebank/phrasebank_50agree.utf8.tsv', 'loads the UTF-8 PhraseBank TSV with header sentence/label/max_agreement', async (file) => {
    const { result } = await run(fs.createReadStream(file) as unknown as import('node:stream').Readable, { task: 'CLASSIFICATION', format: 'TSV' });
    expect(result.ok).toBe(true);
    expect(result.columnMapping).toEqual({ text: 'sentence', label: 'label' });
    expect((result.stats as ClassificationStats).labels).toEqual({ neutral: 2879, positive: 1363, negative: 604 });
  });

  it('reads CSV and JSONL text,label, with text length stats and numeric JSON labels', async () => {
    const csv = await run('text,label\n"good, very good",pos\nbad,neg\n', { task: 'CLASSIFICATION', format: 'CSV' });
    expect(csv.rows.map(({ split, ...r }) => r)).toEqual([{ text: 'good, very good', label: 'pos' }, { text: 'bad', label: 'neg' }]);
    const stats = csv.result.stats as ClassificationStats;
    expect(stats.text.tokens).toMatchObject({ count: 2, min: 1, max: 3 });
    const jsonl = await run('{"text":"ok","label":1}\n{"text":"no","label":""}\n', { task: 'CLASSIFICATION', format: 'JSONL' });
    expect(jsonl.rows[0]).toMatchObject({ label: '1' });
    expect(jsonl.result.errors).toEqual([{ line: 2, field: 'label', code: 'EMPTY_FIELD', message: 'line 2: label is empty' }]);
  });

  it('decodes windows-1252 (curly quotes, euro) differently from latin1, and strips a UTF-8 BOM', async () => {
    const bytes = Buffer.from([0x93, 0x68, 0x69, 0x94, 0x20, 0x80, 0x40, 0x78, 0x0a]); // “hi” €@x
    const cp = await run(bytes, { task: 'CLASSIFICATION', format: 'CSV', delimiter: '@', encoding: 'windows-1252' });
    expect(cp.rows[0]).toMatchObject({ text: '\u201chi\u201d \u20ac', label: 'x' });
    const bom = await run(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('text,label\nhé,a\n')]), { task: 'CLASSIFICATION', format: 'CSV' });
    expect(bom.result.hasHeader).toBe(true);
    expect(bom.rows[0]).toMatchObject({ text: 'hé' });
  });

  it('caps distinct labels: the label past maxLabels is a TOO_MANY_LABELS row error', async () => {
    const csv = Array.from({ length: 6 }, (_, i) => `t${i},l${i}`).join('\n');
    const { result } = await run(csv, { task: 'CLASSIFICATION', format: 'CSV', maxLabels: 4 });
    expect(result.rowCount).toBe(4);
    expect(result.errors.map((e) => [e.line, e.code])).toEqual([[5, 'TOO_MANY_LABELS'], [6, 'TOO_MANY_LABELS']]);
  });
});
