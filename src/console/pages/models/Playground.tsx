import { useState, type FormEvent } from 'react';
import { useClient } from 'urql';
import { describeError, problemText } from '../../api/errors';
import type { ModelRef, Task } from '../../gql/graphql';
import { Alert } from '../../ui/Alert';
import { Field } from '../../ui/Field';
import { formatNumber } from '../../ui/format';
import { ClassifyDocument, RecommendDocument, SummarizeDocument, TranslateDocument } from './models.operations';

type Answer =
  | { kind: 'recommend'; version: number; coldStart: boolean; items: { itemId: string; score: number }[] }
  | { kind: 'text'; version: number; output: string; truncated: boolean }
  | { kind: 'classify'; version: number; label: string; truncated: boolean; scores: { label: string; score: number }[] };

/** Calls the model from the browser and shows its answer with the round trip measured here. */
export function Playground({ task, modelRef, canInvoke }: { task: Task; modelRef: ModelRef; canInvoke: boolean }) {
  const client = useClient();
  const [input, setInput] = useState('');
  const [limit, setLimit] = useState('10');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [latencyMs, setLatencyMs] = useState<number | null>(null);

  const run = async (): Promise<Answer | string> => {
    const opts = { requestPolicy: 'network-only' as const };
    if (task === 'RECOMMENDATION') {
      const res = await client.query(RecommendDocument, { model: modelRef, userId: input.trim(), limit: Math.min(100, Math.max(1, Number(limit) || 10)) }, opts).toPromise();
      if (res.error || !res.data) return res.error ? problemText(describeError(res.error)) : 'No answer.';
      const r = res.data.recommend;
      return { kind: 'recommend', version: r.modelVersion.version, coldStart: r.coldStart, items: r.items };
    }
    if (task === 'CLASSIFICATION') {
      const res = await client.query(ClassifyDocument, { model: modelRef, texts: [input] }, opts).toPromise();
      if (res.error || !res.data) return res.error ? problemText(describeError(res.error)) : 'No answer.';
      const p = res.data.classify.predictions[0];
      return { kind: 'classify', version: res.data.classify.modelVersion.version, label: p.label, truncated: p.truncated, scores: p.scores };
    }
    if (task === 'TRANSLATION') {
      const res = await client.query(TranslateDocument, { model: modelRef, texts: [input] }, opts).toPromise();
      if (res.error || !res.data) return res.error ? problemText(describeError(res.error)) : 'No answer.';
      return { kind: 'text', version: res.data.translate.modelVersion.version, output: res.data.translate.translations[0], truncated: res.data.translate.truncated[0] };
    }
    const res = await client.query(SummarizeDocument, { model: modelRef, texts: [input] }, opts).toPromise();
    if (res.error || !res.data) return res.error ? problemText(describeError(res.error)) : 'No answer.';
    return { kind: 'text', version: res.data.summarize.modelVersion.version, output: res.data.summarize.summaries[0], truncated: res.data.summarize.truncated[0] };
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (!input.trim()) return;
    setBusy(true);
    setProblem(null);
    const started = performance.now();
    const out = await run();
    setLatencyMs(performance.now() - started);
    setBusy(false);
    if (typeof out === 'string') {
      setProblem(out);
      setAnswer(null);
    } else setAnswer(out);
  };

  if (!canInvoke) return <Alert tone="notice">You need the models:invoke permission to try the model here.</Alert>;
  const isRec = task === 'RECOMMENDATION';
  return (
    <>
      <form className="form-grid" onSubmit={(e) => void onSubmit(e)}>
        {isRec ? (
          <>
            <Field label="User id" hint="An unknown user gets the most popular items (cold start).">
              {(p) => <input {...p} value={input} onChange={(e) => setInput(e.target.value)} autoComplete="off" />}
            </Field>
            <Field label="Items">
              {(p) => <input {...p} type="number" min={1} max={100} value={limit} onChange={(e) => setLimit(e.target.value)} />}
            </Field>
          </>
        ) : (
          <Field label="Text" hint={task === 'TRANSLATION' ? 'Translated by the model.' : task === 'SUMMARIZATION' ? 'Summarized by the model.' : 'Labelled by the model.'}>
            {(p) => <textarea {...p} rows={4} value={input} onChange={(e) => setInput(e.target.value)} />}
          </Field>
        )}
        <div className="form-actions"><button type="submit" className="button button-primary" disabled={busy || !input.trim()}>{busy ? 'Asking…' : 'Ask the model'}</button></div>
      </form>
      {problem && <Alert>{problem}</Alert>}
      {answer && (
        <div className="playground-answer" aria-live="polite">
          <p className="hint">
            Answered by v{answer.version} in {latencyMs !== null ? `${Math.round(latencyMs)} ms` : '—'} (measured in this browser)
            {answer.kind === 'recommend' && answer.coldStart && <> · <strong>cold start</strong>: an unknown user, so the most popular items</>}
            {answer.kind !== 'recommend' && answer.truncated && <> · the text was truncated</>}
          </p>
          {answer.kind === 'recommend' && (
            answer.items.length === 0 ? <p>No items.</p> : (
              <div className="table-wrap">
                <table aria-label="Recommended items">
                  <thead><tr><th scope="col">#</th><th scope="col">Item</th><th scope="col" className="num">Score</th></tr></thead>
                  <tbody>
                    {answer.items.map((it, i) => (
                      <tr key={it.itemId}><td>{i + 1}</td><td>{it.itemId}</td><td className="num">{formatNumber(it.score)}</td></tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          )}
          {answer.kind === 'text' && <blockquote className="output">{answer.output}</blockquote>}
          {answer.kind === 'classify' && (
            <>
              <p>Label: <strong>{answer.label}</strong></p>
              <div className="table-wrap">
                <table aria-label="Probabilities">
                  <thead><tr><th scope="col">Label</th><th scope="col" className="num">Probability</th></tr></thead>
                  <tbody>
                    {answer.scores.map((s) => <tr key={s.label}><td>{s.label}</td><td className="num">{formatNumber(s.score, 3)}</td></tr>)}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </div>
      )}
    </>
  );
}
