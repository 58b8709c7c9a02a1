/** A labelled progress bar (role=progressbar), value between 0 and max. */
export function ProgressBar({ value, max, label, text }: { value: number; max: number; label: string; text?: string }) {
  const ratio = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={value}
        aria-valuetext={text}
      >
        <div className="progress-fill" style={{ width: `${(ratio * 100).toFixed(1)}%` }} />
      </div>
      {text && <span className="progress-text">{text}</span>}
    </div>
  );
}
