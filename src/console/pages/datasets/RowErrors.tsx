interface RowError {
  line: number;
  field?: string | null;
  message: string;
  code: string;
}

/** The validator's row errors, with the file's line numbers. */
export function RowErrors({ errors, total }: { errors: readonly RowError[]; total: number }) {
  if (errors.length === 0) return null;
  return (
    <div className="table-wrap">
      <table>
        <caption>
          Row errors{total > errors.length ? ` (first ${errors.length} of ${total.toLocaleString('en')})` : ''}
        </caption>
        <thead>
          <tr><th scope="col">Line</th><th scope="col">Field</th><th scope="col">Problem</th><th scope="col">Code</th></tr>
        </thead>
        <tbody>
          {errors.map((e, i) => (
            <tr key={`${e.line}-${i}`}>
              <td className="num">{e.line}</td>
              <td>{e.field ?? '—'}</td>
              <td>{e.message}</td>
              <td><code>{e.code}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
