/**
 * Reading dataset files as they are published, for the CLI, benchmarks and tests
 * (the API has its own streaming validator; this is the offline path):
 * - recommendation: MovieLens `u.data` (`user \t item \t rating \t ts`), or CSV/TSV with
 *   an optional `user_id,item_id,rating[,timestamp]` header;
 * - classification: Financial PhraseBank `sentence@label` (Latin-1, split on the last
 *   `@`), TSV/CSV with a `text`/`sentence` and a `label` column, or JSONL `{text,label}`;
 * - translation / summarization: JSONL with their field names, or a TSV of two columns.
 * Bytes that are not valid UTF-8 are decoded as Latin-1.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MlError, type AnyRow, type TaskName } from './task';

export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

function splitLine(line: string, sep: string): string[] {
  if (sep !== ',') return line.split(sep);
  const out: string[] = [];
  let cur = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

function bad(file: string, line: number, message: string): MlError {
  return new MlError('BAD_DATA', `${path.basename(file)} line ${line}: ${message}`, { details: { line } });
}

/** Parses a file's text into rows of a task. */
export function parseRows(task: TaskName, text: string, file = 'data'): AnyRow[] {
  const lines = text.split(/\r?\n/);
  const nonEmpty = lines.map((l, i) => ({ l, n: i + 1 })).filter((x) => x.l.trim() !== '');
  if (nonEmpty.length === 0) return [];
  if (nonEmpty[0].l.trimStart().startsWith('{')) {
    return nonEmpty.map(({ l, n }) => {
      try {
        const o = JSON.parse(l) as Record<string, unknown>;
        return fromRecord(task, o, file, n);
      } catch (e) {
        if (e instanceof MlError) throw e;
        throw bad(file, n, 'not valid JSON');
      }
    });
  }
  const first = nonEmpty[0].l;
  if (task === 'classification' && !first.includes('\t') && first.includes('@')) {
    return nonEmpty.map(({ l, n }) => {
      const at = l.lastIndexOf('@');
      if (at < 0) throw bad(file, n, 'expected "sentence@label"');
      return { text: l.slice(0, at).trim(), label: l.slice(at + 1).trim() };
    });
  }
  const sep = first.includes('\t') ? '\t' : first.includes(',') ? ',' : /\s/.test(first.trim()) ? ' ' : '\t';
  const cells = (l: string) => (sep === ' ' ? l.trim().split(/\s+/) : splitLine(l, sep));
  const head = cells(first).map((c) => c.trim().toLowerCase());
  const known = ['user_id', 'userid', 'user', 'item_id', 'itemid', 'item', 'rating', 'text', 'sentence', 'label', 'source', 'target', 'document', 'summary'];
  const hasHeader = head.some((h) => known.includes(h));
  const body = hasHeader ? nonEmpty.slice(1) : nonEmpty;
  return body.map(({ l, n }) => {
    const c = cells(l);
    const o: Record<string, unknown> = {};
    if (hasHeader) head.forEach((h, i) => (o[h] = c[i]));
    else {
      const order = { recommendation: ['user_id', 'item_id', 'rating', 'timestamp'], classification: ['text', 'label'], translation: ['source', 'target'], summarization: ['document', 'summary'] }[task];
      order.forEach((h, i) => (o[h] = c[i]));
    }
    return fromRecord(task, o, file, n);
  });
}

function str(o: Record<string, unknown>, names: string[]): string | undefined {
  for (const n of names) if (o[n] !== undefined && o[n] !== null) return String(o[n]);
  return undefined;
}

function fromRecord(task: TaskName, o: Record<string, unknown>, file: string, n: number): AnyRow {
  const need = (names: string[], what: string) => {
    const v = str(o, names);
    if (v === undefined) throw bad(file, n, `missing ${what}`);
    return v;
  };
  switch (task) {
    case 'recommendation': {
      const rating = Number(need(['rating', 'score'], 'rating'));
      const ts = str(o, ['timestamp', 'ts']);
      return { userId: need(['user_id', 'userid', 'userId', 'user'], 'user_id'), itemId: need(['item_id', 'itemid', 'itemId', 'item'], 'item_id'), rating, ...(ts !== undefined && ts !== '' ? { timestamp: Number(ts) } : {}) };
    }
    case 'classification':
      return { text: need(['text', 'sentence'], 'text'), label: need(['label'], 'label') };
    case 'translation':
      return { source: need(['source', 'src'], 'source'), target: need(['target', 'tgt'], 'target') };
    case 'summarization':
      return { document: need(['document', 'text', 'email_body'], 'document'), summary: need(['summary', 'subject_line'], 'summary') };
  }
}

export function readRows(task: TaskName, file: string): AnyRow[] {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new MlError('BAD_DATA', `cannot read ${file}: ${(e as Error).message}`);
  }
  return parseRows(task, decodeText(bytes), file);
}

/**
 * The shared datasets folder: `$TUNEFORGE_DATASETS`, else `shared/datasets` beside the
 * repository root (CI clones the repo with `shared/` next to it). Null when absent.
 */
export function datasetsDir(): string | null {
  const candidates = [
    process.env.TUNEFORGE_DATASETS,
    path.resolve(__dirname, '../../../shared/datasets'), // src/ml → repo → parent
    path.resolve(__dirname, '../../../../shared/datasets'), // dist/src/ml → repo → parent
  ].filter((p): p is string => !!p);
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

/** Financial PhraseBank 50%-agree: deduplicated, then a seeded 80/20 split (shuffle with `seed`). */
export function phraseBankSplit(dir: string, shuffle: <T>(xs: T[]) => T[]): { train: AnyRow[]; test: AnyRow[] } {
  const text = decodeText(fs.readFileSync(path.join(dir, 'financial-phrasebank', 'Sentences_50Agree.txt')));
  const lines = [...new Set(text.split(/\r?\n/).filter((l) => l.trim() !== ''))];
  const rows = shuffle(parseRows('classification', lines.join('\n')));
  const cut = Math.round(rows.length * 0.8);
  return { train: rows.slice(0, cut), test: rows.slice(cut) };
}
