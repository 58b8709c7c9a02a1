/**
 * The dataset's canonical rows (`GET /dataset`) → the ML core's rows, split into train /
 * validation / test. A line is JSONL (`{"split": …, …fields}`) or, for recommendation rows, the
 * compact form `<split digit>,<userId>,<itemId>,<rating>[,<timestamp>]` (comma or tab; see
 * `src/datasets/ingest/canonical-line.ts`); a blob may mix both.
 *
 * Only the task's canonical fields are kept (`src/ml/task.ts` row types); ids and labels become
 * strings, ratings and timestamps numbers. A line that is not JSON, has an unknown split or lacks
 * a field is `MlError('BAD_DATA')` naming the line: the API validated the dataset on upload, so
 * this means the stored data is damaged, which retrying will not fix.
 */
import { isCompactLine, parseCompactLine } from '../datasets/ingest/canonical-line';
import { isTaskName } from '../ml/registry';
import { MlError, type AnyRow, type TaskName } from '../ml/task';
import type { TrainData } from '../ml/train';

/** `RECOMMENDATION` (the API's enum) or `recommendation` → the ML core's task name. */
export function mlTaskName(apiTask: string): TaskName {
  const name = apiTask.toLowerCase();
  if (!isTaskName(name)) throw new MlError('UNKNOWN_TASK', `unknown task "${apiTask}"`, { field: 'task' });
  return name;
}

type FieldKind = 'string' | 'number' | 'optional-number';
const FIELDS: Record<TaskName, Record<string, FieldKind>> = {
  recommendation: { userId: 'string', itemId: 'string', rating: 'number', timestamp: 'optional-number' },
  translation: { source: 'string', target: 'string' },
  summarization: { document: 'string', summary: 'string' },
  classification: { text: 'string', label: 'string' },
};

function toRow(task: TaskName, raw: Record<string, unknown>, line: number): AnyRow {
  const row: Record<string, string | number> = {};
  for (const [field, kind] of Object.entries(FIELDS[task])) {
    const value = raw[field];
    if (value === undefined || value === null) {
      if (kind === 'optional-number') continue;
      throw new MlError('BAD_DATA', `dataset line ${line}: ${field} is missing`, { field, details: { line } });
    }
    if (kind === 'string') {
      if (typeof value !== 'string' && typeof value !== 'number') throw new MlError('BAD_DATA', `dataset line ${line}: ${field} must be a string`, { field, details: { line } });
      row[field] = String(value);
    } else {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) throw new MlError('BAD_DATA', `dataset line ${line}: ${field} must be a number`, { field, details: { line } });
      row[field] = n;
    }
  }
  return row as unknown as AnyRow;
}

/**
 * Parses the canonical lines of `GET /dataset` (text, or the blob's bytes as UTF-8) for `task`.
 * The test split is left out when empty. `lines`, when given, receives each kept row's line
 * number per split (for messages naming a row).
 */
export async function readDataset(task: TaskName, chunks: AsyncIterable<string | Uint8Array>, lines?: Record<'train' | 'validation' | 'test', number[]>): Promise<TrainData<AnyRow>> {
  const data: { train: AnyRow[]; validation: AnyRow[]; test: AnyRow[] } = { train: [], validation: [], test: [] };
  let line = 0;
  const take = (text: string) => {
    line++;
    if (text.trim() === '') return;
    if (isCompactLine(text)) {
      const row = task === 'recommendation' ? parseCompactLine(text) : 'is a compact row, which only recommendation datasets have';
      if (typeof row === 'string') throw new MlError('BAD_DATA', `dataset line ${line} ${row}`, { details: { line } });
      data[row.split].push(toRow(task, row as unknown as Record<string, unknown>, line));
      lines?.[row.split].push(line);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new MlError('BAD_DATA', `dataset line ${line} is not JSON`, { details: { line } });
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new MlError('BAD_DATA', `dataset line ${line} is not an object`, { details: { line } });
    const split = (raw as { split?: unknown }).split;
    if (split !== 'train' && split !== 'validation' && split !== 'test') {
      throw new MlError('BAD_DATA', `dataset line ${line}: unknown split ${JSON.stringify(split)}`, { field: 'split', details: { line } });
    }
    data[split].push(toRow(task, raw as Record<string, unknown>, line));
    lines?.[split].push(line);
  };
  let rest = '';
  // Bytes are decoded as a stream: a chunk may end inside a UTF-8 sequence.
  const decoder = new TextDecoder();
  const push = (text: string) => {
    const lines = (rest + text).split('\n');
    rest = lines.pop() ?? '';
    for (const one of lines) take(one);
  };
  for await (const chunk of chunks) push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  push(decoder.decode());
  if (rest !== '') take(rest);
  return data.test.length ? data : { train: data.train, validation: data.validation };
}
