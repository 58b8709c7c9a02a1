import type { DatasetFileStatus, DatasetSplit } from '../../gql/graphql';
import { formatBytes, formatDate, titleCase } from '../../ui/format';
import { StatusBadge } from '../../ui/StatusBadge';

export interface DatasetFileRow {
  split: DatasetSplit;
  status: DatasetFileStatus;
  rowCount?: number | null;
  byteSize?: number | null;
  receivedAt?: string | null;
  expiresAt: string;
}

function detail(f: DatasetFileRow): string {
  if (f.status === 'WAITING') return `not in yet; its upload URL expires ${formatDate(f.expiresAt)}`;
  const rows = f.rowCount !== null && f.rowCount !== undefined ? `${f.rowCount.toLocaleString('en')} rows, ` : '';
  return `${rows}${formatBytes(f.byteSize)}, ${f.status === 'FAILED' ? 'refused' : 'received'} ${formatDate(f.receivedAt)}`;
}

/** A split-file dataset's files, in the order train, validation, test: which are in, which it still waits for, which were refused. */
export function DatasetFiles({ files }: { files: readonly DatasetFileRow[] }) {
  return (
    <ul className="file-status" aria-label="Files">
      {files.map((f) => (
        <li key={f.split}>
          <strong>{titleCase(f.split)}</strong> <StatusBadge status={f.status} /> <span className="hint">{detail(f)}</span>
        </li>
      ))}
    </ul>
  );
}
