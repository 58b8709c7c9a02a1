import { Client, fetchExchange } from '@urql/core';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { Provider } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import { BaselinesPanel } from './BaselinesPanel';

type Body = { query: string; variables: Record<string, unknown> };

/** A real urql client whose fetch answers like the API would, by operation. */
function clientAnswering(answer: (body: Body) => unknown) {
  const fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as Body;
    return new Response(JSON.stringify(answer(body)), { headers: { 'content-type': 'application/json' } });
  });
  return { client: new Client({ url: 'http://api.test/graphql', exchanges: [fetchExchange], fetch, preferGetMethod: false }), fetch };
}

const baseline = (id: string, model: string, shots: number, status: string, accuracy: number | null) => ({
  __typename: 'Baseline', id, model, shots, sampleSize: null, status, rowsEvaluated: accuracy === null ? null : 200, createdAt: '2026-03-01T10:00:00Z',
  evaluation: accuracy === null ? null : { __typename: 'RunEvaluationType', split: 'test', metrics: { accuracy }, baseline: { accuracy: 0.5 } },
  error: null,
});

const listing = {
  data: {
    baselines: [baseline('b1', 'gpt-4o-mini', 3, 'SUCCEEDED', 0.81), baseline('b2', 'gpt-4o', 0, 'RUNNING', null)],
    compareOnDataset: {
      __typename: 'DatasetComparison', metric: 'accuracy',
      contenders: [
        { __typename: 'DatasetContender', kind: 'BASELINE', label: 'gpt-4o-mini, 3-shot', value: 0.81, rank: 2, sameRows: true, modelVersion: null, baseline: { __typename: 'Baseline', id: 'b1' } },
        { __typename: 'DatasetContender', kind: 'MODEL_VERSION', label: 'reviews v1', value: 0.88, rank: 1, sameRows: true, modelVersion: { __typename: 'ModelVersion', id: 'v1', version: 1, model: { __typename: 'Model', id: 'm1' } }, baseline: null },
      ],
    },
  },
};

function renderPanel(client: Client) {
  render(<MemoryRouter><Provider value={client}><BaselinesPanel datasetId="d1" task="CLASSIFICATION" canRun /></Provider></MemoryRouter>);
}

describe('BaselinesPanel', () => {
  it('lists baselines with their status and ranks every contender on the metric', async () => {
    const { client, fetch } = clientAnswering(() => listing);
    renderPanel(client);
    const ranked = await screen.findByRole('table', { name: 'Comparison' });
    const rows = within(ranked).getAllByRole('row').map((r) => r.textContent);
    expect(rows[1]).toBe('1reviews v1model version0.88yes');
    expect(rows[2]).toBe('2gpt-4o-mini, 3-shotbaseline0.81yes');
    expect(within(ranked).getByRole('link', { name: 'reviews v1' }).getAttribute('href')).toBe('/models/m1');
    const list = screen.getByRole('table', { name: 'Baselines' });
    expect(within(list).getByRole('row', { name: /gpt-4o-mini/ }).textContent).toContain('succeeded');
    expect(within(list).getByRole('row', { name: /gpt-4o 0/ }).textContent).toContain('running');
    expect(JSON.parse(String(fetch.mock.calls[0][1]?.body)).variables).toEqual({ datasetId: 'd1', metric: 'accuracy' });
  });

  it('shows OPENAI_NOT_CONFIGURED beside the model, with a hint that an admin sets the key', async () => {
    const { client, fetch } = clientAnswering((body) =>
      body.query.includes('mutation')
        ? { data: { evaluateBaseline: { baseline: null, userErrors: [{ field: ['input', 'model'], message: 'no OpenAI API key: an admin sets one with setOpenAiApiKey', code: 'OPENAI_NOT_CONFIGURED' }] } } }
        : { data: { baselines: [], compareOnDataset: { __typename: 'DatasetComparison', metric: 'accuracy', contenders: [] } } },
    );
    renderPanel(client);
    await screen.findByText('No baseline yet.');
    await userEvent.selectOptions(screen.getByLabelText('Examples in the prompt (shots)'), '3');
    await userEvent.click(screen.getByRole('button', { name: 'Evaluate on the test split' }));
    expect(await screen.findByText(/no OpenAI API key/)).toBeTruthy();
    const model = screen.getByLabelText('OpenAI model');
    expect(model.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/An admin of this tenant sets its OpenAI key/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Settings → OpenAI' }).getAttribute('href')).toBe('/settings/openai');
    const mutation = fetch.mock.calls.map((c) => JSON.parse(String(c[1]?.body)) as Body).find((b) => b.query.includes('mutation'));
    expect(mutation?.variables).toEqual({ input: { datasetId: 'd1', model: 'gpt-4o-mini', shots: 3 } });
  });
});
