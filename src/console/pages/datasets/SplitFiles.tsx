import type { UploadResult } from '../../api/upload';
import type { DatasetSplit } from '../../gql/graphql';
import { formatBytes } from '../../ui/format';
import { ProgressBar } from '../../ui/ProgressBar';
import { DropZone } from './DropZone';
import { partText, SPLIT_FILES, type SplitFileSet } from './split-mode';

/** One drop zone per split. */
export function SplitFilePickers({ files, onFile }: { files: SplitFileSet; onFile: (split: DatasetSplit, file: File) => void }) {
  return (
    <div className="split-files" role="group" aria-label="Split files">
      {SPLIT_FILES.map((f) => (
        <DropZone key={f.split} id={`dataset-file-${f.split.toLowerCase()}`} label={f.label} compact prompt="drop or choose" file={files[f.split] ?? null} onFile={(file) => onFile(f.split, file)} />
      ))}
    </div>
  );
}

export interface PartProgress {
  split: DatasetSplit;
  sent: number;
  total: number;
  result: UploadResult | null;
}

/** Each file's bytes going out, then its own answer (received with rows and what is still awaited, or refused). */
export function SplitFileProgress({ parts }: { parts: PartProgress[] }) {
  return (
    <ul className="file-status" aria-label="Files sent">
      {parts.map((p) => {
        const label = SPLIT_FILES.find((f) => f.split === p.split)?.label.replace(' (optional)', '') ?? p.split;
        const text = p.result ? partText(p.result) : p.sent >= p.total ? 'Validating…' : `${formatBytes(p.sent)} of ${formatBytes(p.total)}`;
        return (
          <li key={p.split} className="part-progress" data-split={p.split}>
            <ProgressBar label={`${label} upload`} value={p.result ? p.total : p.sent} max={p.total} text={`${label}: ${text}`} />
          </li>
        );
      })}
    </ul>
  );
}
