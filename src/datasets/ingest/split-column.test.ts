import { syntheticRatings } from './synthetic';
import { chunked, run } from './test-support';
import { IngestOptionsError, validateIngestOptions } from './options';
import { ingest } from './ingest';
import { CollectingSink } from './test-support';
import type { ClassificationStats } from './types';

const counts = (rows: Record<string, unknown>[]) => rows.reduce<Record<string, number>>((c, r) => ({ ...c, [r.split as string]: (c[r.split as string] ?? 0) + 1 }), {});

describe('a split column given by the user', () => {
  it('keeps each row in the split its column names, any case and synonym, and leaves the column out of the fields', async () => {
    const csv = 'text,label,split\ngood,pos,train\nbad,neg,TRAINING\nok,pos,dev\nmeh,neg, Validation \nfine,pos,test\nawful,neg,Testing\n';
    const { result, rows } = await run(chunked(csv, 5), { task: 'CLASSIFICATION', format: 'CSV', splitColumn: 'split' });
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.splitCounts).toEqual({ train: 2, validation: 2, test: 2 });
    expect(rows.map((r) => r.split)).toEqual(['train', 'train', 'validation', 'validation', 'test', 'test']);
    expect(rows[0]).toEqual({ split: 'train', text: 'good', label: 'pos' });
    expect(result.columnMapping).toEqual({ text: 'text', label: 'label', split: 'split' });
    expect((result.stats as ClassificationStats).labels).toEqual({ pos: 3, neg: 3 });
    expect(result.preview.map((r) => r.split)).toEqual(rows.map((r) => r.split));
  });

  it('never takes the split column for a field, even when its name is an alias or it comes first', async () => {
    // `category` is an alias of label: as the split column it must not be read as the label.
    const a = await run('text,category,label\nx,train,a\ny,test,b\n', { task: 'CLASSIFICATION', format: 'CSV', splitColumn: 'category' });
    expect(a.rows).toEqual([{ split: 'train', text: 'x', label: 'a' }, { split: 'test', text: 'y', label: 'b' }]);
    // No header: fields take the other columns in order.
    const b = await run('train\tHallo\tHello\ntest\tWelt\tWorld\n', { task: 'TRANSLATION', format: 'TSV', hasHeader: false, splitColumn: '0' });
    expect(b.rows).toEqual([{ split: 'train', source: 'Hallo', target: 'Hello' }, { split: 'test', source: 'Welt', target: 'World' }]);
    expect(b.result.columnMapping).toEqual({ source: '1', target: '2', split: '0' });
  });

  it('names the line, the column and the accepted values for an unknown or empty split, and keeps nothing', async () => {
    const csv = 'text,label,split\ngood,pos,train\nbad,neg,trian\nok,pos,\nfine,pos,test\n';
    const { result } = await run(csv, { task: 'CLASSIFICATION', format: 'CSV', splitColumn: 'split' });
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      { line: 3, field: 'split', code: 'INVALID_SPLIT', message: 'line 3: the split column "split" has "trian", which names no split; accepted (any case): train, training, validation, valid, val, dev, validate, test, testing' },
      { line: 4, field: 'split', code: 'EMPTY_FIELD', message: expect.stringMatching(/^line 4: the split column "split" is empty; accepted/) },
    ]);
  });

  it('fails with EMPTY_SPLIT when no row is in test (or train); an empty validation split is fine', async () => {
    const noTest = await run('text,label,split\na,x,train\nb,y,val\n', { task: 'CLASSIFICATION', format: 'CSV', splitColumn: 'split' });
    expect(noTest.result.ok).toBe(false);
    expect(noTest.result.fatal).toEqual({ code: 'EMPTY_SPLIT', message: 'no row is in test (split column "split"): training needs train rows and evaluation needs test rows' });
    const noTrain = await run('{"text":"a","label":"x","ml_use":"test"}\n', { task: 'CLASSIFICATION', format: 'JSONL', splitColumn: 'ml_use' });
    expect(noTrain.result.fatal?.message).toMatch(/^no row is in train \(split key "ml_use"\)/);
    const noValidation = await run('text,label,split\na,x,train\nb,y,test\n', { task: 'CLASSIFICATION', format: 'CSV', splitColumn: 'split' });
    expect(noValidation.result.ok).toBe(true);
    expect(noValidation.result.splitCounts).toEqual({ train: 1, validation: 0, test: 1 });
  });

  it('reads a JSONL key, with MISSING_FIELD and INVALID_SPLIT row errors', async () => {
    const jsonl = [
      { source: 'Hallo', target: 'Hello', split: 'train' },
      { source: 'Welt', target: 'World', split: 'validation' },
      { source: 'Tag', target: 'Day', split: 'test' },
    ].map((o) => JSON.stringify(o)).join('\n');
    const ok = await run(jsonl, { task: 'TRANSLATION', format: 'JSONL', splitColumn: 'split' });
    expect(ok.rows).toEqual([{ split: 'train', source: 'Hallo', target: 'Hello' }, { split: 'validation', source: 'Welt', target: 'World' }, { split: 'test', source: 'Tag', target: 'Day' }]);
    expect(ok.result.columnMapping).toEqual({ source: 'source', target: 'target', split: 'split' });
    const bad = await run(`${jsonl}\n{"source":"a","target":"b"}\n{"source":"a","target":"b","split":3}\n`, { task: 'TRANSLATION', format: 'JSONL', splitColumn: 'split' });
    expect(bad.result.errors.map((e) => [e.line, e.field, e.code])).toEqual([[4, 'split', 'MISSING_FIELD'], [5, 'split', 'INVALID_SPLIT']]);
  });

  it('fails BAD_HEADER when the split column is not in the header, or named without a header', async () => {
    const a = await run('text,label\na,x\n', { task: 'CLASSIFICATION', format: 'CSV', splitColumn: 'split' });
    expect(a.result.fatal).toEqual({ code: 'BAD_HEADER', message: 'the header has no column "split" (for splitColumn); it has: text, label' });
    const b = await run('a,x,train\n', { task: 'CLASSIFICATION', format: 'CSV', splitColumn: 'split', hasHeader: false });
    expect(b.result.fatal?.message).toBe('splitColumn names the column "split" but the file has no header row');
  });

  it('routes recommendation rows with a split column through the general path with the same output', async () => {
    // The same ratings with and without a split column: identical rows and stats, the user's splits.
    const plain = (await new Promise<string>((resolve) => {
      const parts: Buffer[] = [];
      syntheticRatings({ bytes: 60_000, seed: 3 }).on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve(Buffer.concat(parts).toString()));
    })).trimEnd().split('\n');
    const names = ['train', 'val', 'test'];
    const withSplit = plain.map((line, i) => (i === 0 ? `${line},split` : `${line},${names[i % 3]}`)).join('\n') + '\n';
    const a = await run(withSplit, { task: 'RECOMMENDATION', format: 'CSV', splitColumn: 'split' });
    const b = await run(plain.join('\n') + '\n', { task: 'RECOMMENDATION', format: 'CSV' });
    expect(a.result.errors).toEqual([]);
    expect(a.result.rowCount).toBe(b.result.rowCount);
    expect(a.result.stats).toEqual(b.result.stats);
    expect(a.rows.map(({ split: _s, ...r }) => r)).toEqual(b.rows.map(({ split: _s, ...r }) => r));
    expect(a.rows.map((r) => r.split)).toEqual(a.rows.map((_, i) => ['train', 'validation', 'test'][(i + 1) % 3]));
    expect(counts(a.rows)).toEqual(a.result.splitCounts);
  });
});

describe('a fixed split (one file of a split-file dataset)', () => {
  it('puts every row in that split, on the byte-level recommendation path too', async () => {
    const { result, rows } = await run('1,10,4\n2,11,5\n3,12,3.5\n', { task: 'RECOMMENDATION', format: 'CSV', split: 'test', previewRows: 0 });
    expect(result.splitCounts).toEqual({ train: 0, validation: 0, test: 3 });
    expect(rows.every((r) => r.split === 'test')).toBe(true);
  });
});

describe('split options', () => {
  it('refuses two ways of splitting at once', async () => {
    expect(validateIngestOptions({ task: 'CLASSIFICATION', format: 'CSV', maxBytes: 10, splitColumn: 'split', splits: { train: 0.8, validation: 0.1, test: 0.1 } }))
      .toEqual(['splits and splitColumn cannot be combined: rows are split one way']);
    expect(validateIngestOptions({ task: 'CLASSIFICATION', format: 'CSV', maxBytes: 10, splitColumn: 'label', columns: { label: 'label' } }))
      .toEqual(['columns.label and splitColumn name the same column "label"']);
    await expect(ingest(chunked('x'), new CollectingSink(), { task: 'CLASSIFICATION', format: 'CSV', maxBytes: 10, split: 'dev' as never })).rejects.toBeInstanceOf(IngestOptionsError);
  });
});
