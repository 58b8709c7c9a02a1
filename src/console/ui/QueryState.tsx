import type { CombinedError } from '@urql/core';
import { useEffect, useState, type ReactNode } from 'react';
import { describeError, problemText, type Problem } from '../api/errors';
import { Alert } from './Alert';

interface QueryResult<T> {
  data?: T;
  fetching: boolean;
  error?: CombinedError;
}

/** Counts down a THROTTLED answer's retryAfterMs, then asks again by itself. */
function Throttled({ problem, retry }: { problem: Extract<Problem, { kind: 'throttled' }>; retry: () => void }) {
  const [left, setLeft] = useState(Math.ceil(problem.retryAfterMs / 1000));
  useEffect(() => {
    const started = Date.now();
    const timer = setInterval(() => {
      const remaining = Math.ceil((problem.retryAfterMs - (Date.now() - started)) / 1000);
      setLeft(Math.max(0, remaining));
      if (remaining <= 0) {
        clearInterval(timer);
        retry();
      }
    }, 250);
    return () => clearInterval(timer);
  }, [problem, retry]);
  return (
    <Alert tone="notice">
      This tenant is sending too many requests right now. Trying again in {left} s…{' '}
      <button type="button" className="link" onClick={retry}>Try now</button>
    </Alert>
  );
}

export function ProblemView({ error, retry }: { error: CombinedError; retry: () => void }) {
  const problem = describeError(error);
  if (problem.kind === 'throttled') return <Throttled problem={problem} retry={retry} />;
  return (
    <Alert>
      {problemText(problem)}{' '}
      {problem.kind !== 'forbidden' && problem.kind !== 'not-found' && (
        <button type="button" className="link" onClick={retry}>Try again</button>
      )}
    </Alert>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

/**
 * The loading, error and THROTTLED states every page shares; renders `children` with the data.
 * Data already shown stays on screen while a refetch fails, with the problem above it.
 */
export function QueryState<T>({ result, retry, children }: { result: QueryResult<T>; retry: () => void; children: (data: T) => ReactNode }) {
  if (result.data) {
    return (
      <>
        {result.error && <ProblemView error={result.error} retry={retry} />}
        {children(result.data)}
      </>
    );
  }
  if (result.error) return <ProblemView error={result.error} retry={retry} />;
  return <Loading />;
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}
