/**
 * The dataset's canonical JSONL (`GET /dataset`: one `{"split": …, …fields}` per line) → the ML
 * core's rows, split into train / validation / test.
 *
 * Only the task's canonical fields are kept (`src/ml/task.ts` row types); ids and labels become
 * strings, ratings and timestamps numbers. A line that is not JSON, has an unknown split or lacks
 * a field is `MlError('BAD_DATA')` naming the line: the API validated the dataset on upload, so
 * this means the stored data is damaged, which retrying will not fix.
 */
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
 * Parses the JSONL chunks of `GET /dataset` for `task`. The test split is left out when empty.
 * `lines`, when given, receives each kept row's line number per split (for messages naming a row).
 */
export async function readDataset(task: TaskName, chunks: AsyncIterable<string>, lines?: Record<'train' | 'validation' | 'test', number[]>): Promise<TrainData<AnyRow>> {
  const data: { train: AnyRow[]; validation: AnyRow[]; test: AnyRow[] } = { train: [], validation: [], test: [] };
  let line = 0;
  const take = (text: string) => {
    line++;
    if (text.trim() === '') return;
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
  for await (const chunk of chunks) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const text of lines) take(text);
  }
  if (rest !== '') take(rest);
  return data.test.length ? data : { train: data.train, validation: data.validation };
}
