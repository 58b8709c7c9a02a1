import type { UploadPart, UploadResult } from '../../api/upload';
import type { DatasetSplit } from '../../gql/graphql';
import { formatBytes } from '../../ui/format';

/** How rows get their split: seeded ratios (80/10/10), a column of the file, or one file per split. */
export type SplitMode = 'ratios' | 'column' | 'files';

export const SPLIT_MODES: { value: SplitMode; label: string; hint: string }[] = [
  { value: 'ratios', label: 'Seeded ratios (80/10/10)', hint: 'Rows are split by a seeded hash of their line.' },
  { value: 'column', label: 'A split column', hint: 'A column (header name, 0-based index, or JSONL key) saying train, validation or test per row.' },
  { value: 'files', label: 'One file per split', hint: 'Train and test files required, validation optional; each is validated as it arrives.' },
];

/** The files of a split-file upload, in the order the API lists them. */
export const SPLIT_FILES: { split: DatasetSplit; label: string; required: boolean }[] = [
  { split: 'TRAIN', label: 'Train file', required: true },
  { split: 'VALIDATION', label: 'Validation file (optional)', required: false },
  { split: 'TEST', label: 'Test file', required: true },
];

export type SplitFileSet = Partial<Record<DatasetSplit, File>>;

/** The splits to announce in `splitFiles`, or what is missing. */
export function chosenSplits(files: SplitFileSet): { splits: DatasetSplit[]; missing: string | null } {
  const splits = SPLIT_FILES.filter((f) => files[f.split]).map((f) => f.split);
  const absent = SPLIT_FILES.filter((f) => f.required && !files[f.split]).map((f) => f.split.toLowerCase());
  return { splits, missing: absent.length ? `Choose the ${absent.join(' and ')} file${absent.length > 1 ? 's' : ''}.` : null };
}

const splitWord = (split: string) => split.toLowerCase();

/** One line for a file's PUT answer: received with its rows and what the dataset still waits for, or why it was refused. */
export function partText(result: UploadResult): string {
  const part: UploadPart | undefined = result.part;
  if (part?.status === 'RECEIVED') {
    const rows = `${(part.rowCount ?? 0).toLocaleString('en')} rows, ${formatBytes(part.byteSize)}`;
    return part.waitingFor.length ? `Received: ${rows}; waiting for ${part.waitingFor.map(splitWord).join(', ')}` : `Received: ${rows}; all files in`;
  }
  if (part?.status === 'FAILED') return `Refused: ${result.dataset?.failureReason ?? 'see the row errors'}`;
  if (result.status === 409) return `Not taken: ${result.error ?? 'the dataset already failed'}`;
  if (result.status === 0) return result.error ?? 'The upload was interrupted.';
  return result.error ?? `The server answered ${result.status}.`;
}

/** Of several PUT answers, the one that says where the dataset ended: a failure, else the last one in. */
export function finalResult(results: UploadResult[]): UploadResult | null {
  return results.find((r) => r.dataset?.status === 'FAILED') ?? results.find((r) => r.dataset?.status === 'READY') ?? results[results.length - 1] ?? null;
}
