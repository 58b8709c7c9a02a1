import type { CombinedError } from '@urql/core';

/** A failed request, sorted into the few cases a page shows differently. */
export type Problem =
  | { kind: 'throttled'; retryAfterMs: number; message: string }
  | { kind: 'unauthenticated'; message: string }
  | { kind: 'forbidden'; message: string; requiredScope: string | null }
  | { kind: 'not-found'; message: string }
  | { kind: 'network'; message: string }
  | { kind: 'error'; message: string; requestId: string | null };

function extension(ext: Record<string, unknown> | undefined, name: string): unknown {
  return ext ? ext[name] : undefined;
}

export function describeError(error: CombinedError): Problem {
  const first = error.graphQLErrors[0];
  if (!first) return { kind: 'network', message: 'The server could not be reached. Check your connection and try again.' };
  const ext = first.extensions as Record<string, unknown> | undefined;
  const code = extension(ext, 'code');
  switch (code) {
    case 'THROTTLED': {
      const retry = extension(ext, 'retryAfterMs');
      return { kind: 'throttled', retryAfterMs: typeof retry === 'number' ? retry : 1000, message: first.message };
    }
    case 'UNAUTHENTICATED':
      return { kind: 'unauthenticated', message: first.message };
    case 'FORBIDDEN': {
      const scope = extension(ext, 'requiredScope');
      return { kind: 'forbidden', message: first.message, requiredScope: typeof scope === 'string' ? scope : null };
    }
    case 'NOT_FOUND':
      return { kind: 'not-found', message: first.message };
    default: {
      const requestId = extension(ext, 'requestId');
      return { kind: 'error', message: first.message, requestId: typeof requestId === 'string' ? requestId : null };
    }
  }
}

/** One line for a person, e.g. under a form. */
export function problemText(problem: Problem): string {
  switch (problem.kind) {
    case 'throttled':
      return `Too many requests for this tenant right now. Try again in ${Math.ceil(problem.retryAfterMs / 1000)} s.`;
    case 'forbidden':
      return problem.requiredScope ? `You need the ${problem.requiredScope} permission for this.` : problem.message;
    case 'error':
      return problem.requestId ? `${problem.message} (request ${problem.requestId})` : problem.message;
    default:
      return problem.message;
  }
}

export interface UserError {
  field?: readonly string[] | null;
  message: string;
  code: string;
}

/** userErrors keyed by field path without the leading "input" ("name", "hyperparameters.epochs"); "" for the form. */
export function fieldErrors(errors: readonly UserError[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) {
    const path = (e.field ?? []).filter((part, i) => !(i === 0 && part === 'input')).join('.');
    out[path] = out[path] ? `${out[path]} ${e.message}` : e.message;
  }
  return out;
}
