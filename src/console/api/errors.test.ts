import { CombinedError } from '@urql/core';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { describeError, fieldErrors, problemText } from './errors';

const gqlError = (code: string, extensions: Record<string, unknown> = {}) =>
  new CombinedError({ graphQLErrors: [new GraphQLError('nope', { extensions: { code, ...extensions } })] });

describe('errors', () => {
  it('keys userErrors by field path without the leading "input", joining messages for one field', () => {
    expect(
      fieldErrors([
        { field: ['input', 'name'], message: 'is required', code: 'INVALID' },
        { field: ['hyperparameters', 'epochs'], message: 'must be ≥ 1', code: 'INVALID_HYPERPARAMETER' },
        { field: ['hyperparameters', 'epochs'], message: 'must be an integer', code: 'INVALID_HYPERPARAMETER' },
        { field: null, message: 'quota reached', code: 'PAYMENT_REQUIRED' },
      ]),
    ).toEqual({ name: 'is required', 'hyperparameters.epochs': 'must be ≥ 1 must be an integer', '': 'quota reached' });
  });

  it('sorts THROTTLED, FORBIDDEN and network failures into what a page shows', () => {
    expect(describeError(gqlError('THROTTLED', { retryAfterMs: 1500 }))).toMatchObject({ kind: 'throttled', retryAfterMs: 1500 });
    expect(problemText(describeError(gqlError('FORBIDDEN', { requiredScope: 'runs:write' })))).toBe('You need the runs:write permission for this.');
    expect(describeError(new CombinedError({ networkError: new Error('Failed to fetch') })).kind).toBe('network');
    expect(problemText(describeError(gqlError('INTERNAL_SERVER_ERROR', { requestId: 'r-1' })))).toBe('nope (request r-1)');
  });
});
