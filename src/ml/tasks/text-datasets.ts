/**
 * Readers for the shared text datasets used by tests and benchmarks (never copied into
 * the repository): Multi30k (gzipped line-aligned files) and AESLC (JSONL).
 * Each returns null when the datasets folder is absent, so callers can skip.
 */
import * as fs from 'fs';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { datasetsDir } from '../data-files';
import type { SummarizationRow, TranslationRow } from '../task';

export type Multi30kSplit = 'train' | 'val' | 'test_2016_flickr';

/** German→English pairs of a Multi30k split, or null when the dataset is absent. */
export function readMulti30k(split: Multi30kSplit, limit = Infinity): TranslationRow[] | null {
  const dir = datasetsDir();
  const base = dir && path.join(dir, 'multi30k-en-de');
  if (!base || !fs.existsSync(path.join(base, `${split}.de.gz`))) return null;
  const lines = (lang: string) => {
    const text = gunzipSync(fs.readFileSync(path.join(base, `${split}.${lang}.gz`))).toString('utf8');
    const l = text.split('\n');
    if (l[l.length - 1] === '') l.pop();
    return l;
  };
  const de = lines('de');
  const en = lines('en');
  const n = Math.min(de.length, en.length, limit);
  return Array.from({ length: n }, (_, i) => ({ source: de[i], target: en[i] }));
}

export type AeslcSplit = 'train' | 'dev' | 'test';

/** AESLC email body → subject line rows, or null when the dataset is absent. */
export function readAeslc(split: AeslcSplit, limit = Infinity): SummarizationRow[] | null {
  const dir = datasetsDir();
  const file = dir && path.join(dir, 'aeslc', `${split}.jsonl`);
  if (!file || !fs.existsSync(file)) return null;
  const out: SummarizationRow[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (out.length >= limit) break;
    if (line.trim() === '') continue;
    const o = JSON.parse(line) as { email_body: string; subject_line: string };
    out.push({ document: o.email_body, summary: o.subject_line });
  }
  return out;
}
