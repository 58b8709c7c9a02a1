import { useRef, useState, type DragEvent } from 'react';
import { formatBytes } from '../../ui/format';

export const ACCEPTED_FILES = '.csv,.tsv,.jsonl,.json,.txt,.data,.base,.test,.gz';

/** Drop or pick one file. `id` names the hidden input, so several zones can share a form. */
export function DropZone({ id, file, onFile, label, prompt = 'Drop a CSV, TSV or JSONL file here (gzip welcome)', compact = false }: { id: string; file: File | null; onFile: (file: File) => void; label?: string; prompt?: string; compact?: boolean }) {
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const dropped = e.dataTransfer.files[0];
    if (dropped) onFile(dropped);
  };
  return (
    <div
      className={`dropzone${over ? ' dropzone-over' : ''}${compact ? ' dropzone-compact' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <input ref={input} id={id} className="visually-hidden" type="file" aria-label={label} accept={ACCEPTED_FILES} onChange={(e) => e.target.files?.[0] && onFile(e.target.files[0])} />
      <p>{label && <span className="dropzone-label">{label}: </span>}{file ? <><strong>{file.name}</strong> · {formatBytes(file.size)}</> : prompt}</p>
      <label htmlFor={id} className="button">{file ? 'Choose another file' : 'Choose a file'}</label>
    </div>
  );
}
