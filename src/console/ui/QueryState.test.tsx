import { CombinedError } from '@urql/core';
import { act, render, screen } from '@testing-library/react';
import { GraphQLError } from 'graphql';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueryState } from './QueryState';

const throttled = new CombinedError({ graphQLErrors: [new GraphQLError('rate limit exceeded', { extensions: { code: 'THROTTLED', retryAfterMs: 2000 } })] });

describe('QueryState', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('counts a THROTTLED answer down and asks again by itself', () => {
    const retry = vi.fn();
    render(<QueryState result={{ fetching: false, error: throttled }} retry={retry}>{() => 'data'}</QueryState>);
    expect(screen.getByRole('status').textContent).toContain('Trying again in 2 s');
    act(() => void vi.advanceTimersByTime(1100));
    expect(screen.getByRole('status').textContent).toContain('Trying again in 1 s');
    expect(retry).not.toHaveBeenCalled();
    act(() => void vi.advanceTimersByTime(1000));
    expect(retry).toHaveBeenCalledTimes(1);
  });

  it('shows loading, then the data; keeps the data on screen when a refetch fails', () => {
    const { rerender } = render(<QueryState result={{ fetching: true }} retry={() => {}}>{(d: string) => d}</QueryState>);
    expect(screen.getByRole('status').textContent).toContain('Loading');
    rerender(<QueryState result={{ fetching: false, data: 'three datasets' }} retry={() => {}}>{(d: string) => d}</QueryState>);
    expect(screen.getByText('three datasets')).toBeTruthy();
    const failed = new CombinedError({ networkError: new Error('Failed to fetch') });
    rerender(<QueryState result={{ fetching: false, data: 'three datasets', error: failed }} retry={() => {}}>{(d: string) => d}</QueryState>);
    expect(screen.getByText('three datasets')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('could not be reached');
  });
});
