import { Client, fetchExchange } from '@urql/core';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Provider } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import { Playground } from './Playground';

/** A real urql client whose fetch answers like the API would. */
function clientAnswering(answer: (body: { query: string; variables: Record<string, unknown> }) => unknown) {
  const fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as { query: string; variables: Record<string, unknown> };
    return new Response(JSON.stringify(answer(body)), { headers: { 'content-type': 'application/json' } });
  });
  return { client: new Client({ url: 'http://api.test/graphql', exchanges: [fetchExchange], fetch, preferGetMethod: false }), fetch };
}

const version = { __typename: 'ModelVersion', id: 'v2', version: 2 };

describe('Playground', () => {
  it('classifies a text: label, probabilities, the serving version and the latency', async () => {
    const { client, fetch } = clientAnswering(() => ({
      data: { classify: { __typename: 'ClassificationResult', modelVersion: version, predictions: [{ __typename: 'ClassPredictionType', label: 'pos', score: 0.9, truncated: false, scores: [{ __typename: 'LabelScore', label: 'pos', score: 0.9 }, { __typename: 'LabelScore', label: 'neg', score: 0.1 }] }] } },
    }));
    render(<Provider value={client}><Playground task="CLASSIFICATION" modelRef={{ id: 'm1' }} canInvoke /></Provider>);
    await userEvent.type(screen.getByLabelText('Text'), 'great film');
    await userEvent.click(screen.getByRole('button', { name: 'Ask the model' }));
    expect(await screen.findByText(/Answered by v2 in \d+ ms/)).toBeTruthy();
    expect(screen.getByText('Label:').textContent).toBe('Label: pos');
    expect(screen.getByRole('table', { name: 'Probabilities' }).textContent).toContain('neg0.1');
    expect(JSON.parse(String(fetch.mock.calls[0][1]?.body)).variables).toEqual({ model: { id: 'm1' }, texts: ['great film'] });
  });

  it('says cold start for an unknown user, and shows a refusal instead of an answer', async () => {
    let call = 0;
    const { client } = clientAnswering(() =>
      call++ === 0
        ? { data: { recommend: { __typename: 'RecommendationResult', modelVersion: version, coldStart: true, items: [{ __typename: 'ScoredItem', itemId: '50', score: 4.2 }] } } }
        : { data: null, errors: [{ message: 'Too many requests', extensions: { code: 'THROTTLED', retryAfterMs: 2000 } }] },
    );
    render(<Provider value={client}><Playground task="RECOMMENDATION" modelRef={{ versionId: 'v2' }} canInvoke /></Provider>);
    await userEvent.type(screen.getByLabelText('User id'), 'nobody');
    await userEvent.click(screen.getByRole('button', { name: 'Ask the model' }));
    expect(await screen.findByText('cold start')).toBeTruthy();
    expect(screen.getByRole('table', { name: 'Recommended items' }).textContent).toContain('50');
    await userEvent.click(screen.getByRole('button', { name: 'Ask the model' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Try again in 2 s');
    expect(screen.queryByRole('table', { name: 'Recommended items' })).toBeNull();
  });

  it('asks for the models:invoke permission when the viewer lacks it', () => {
    const { client } = clientAnswering(() => ({}));
    render(<Provider value={client}><Playground task="TRANSLATION" modelRef={{ id: 'm1' }} canInvoke={false} /></Provider>);
    expect(screen.getByText(/models:invoke/)).toBeTruthy();
  });
});
