import { Client, fetchExchange } from '@urql/core';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { Provider } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import type { LaunchOptionsQuery } from '../../gql/graphql';
import { LaunchForm } from './LaunchRunPage';

/** A real urql client whose fetch answers launchRun like the API would. */
function clientAnswering(launchRun: unknown) {
  const fetch = vi.fn(async () => new Response(JSON.stringify({ data: { launchRun } }), { headers: { 'content-type': 'application/json' } }));
  return { client: new Client({ url: 'http://api.test/graphql', exchanges: [fetchExchange], fetch, preferGetMethod: false }), fetch };
}

const options = {
  datasets: { nodes: [{ id: 'd1', name: 'reviews', rowCount: 120 }] },
  baseModels: [{ name: 'text-cnn', description: 'A small CNN', defaultHyperparameters: { epochs: 5 } }],
  runs: { nodes: [] },
} as unknown as LaunchOptionsQuery;

const sent = (fetch: ReturnType<typeof vi.fn>) => JSON.parse(String((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].body)).variables.input;

describe('LaunchForm with a provider', () => {
  it('offers OpenAI for text tasks and sends its base model, prompt and hyperparameters ("auto" left out)', async () => {
    const { client, fetch } = clientAnswering({ run: null, userErrors: [{ field: ['input', 'modelName'], message: 'taken', code: 'INVALID' }] });
    render(<MemoryRouter><Provider value={client}><LaunchForm task="CLASSIFICATION" options={options} initialDatasetId="d1" /></Provider></MemoryRouter>);
    expect(screen.getByLabelText('epochs')).toBeTruthy(); // our GPU pool by default, with the preset's hyperparameters
    await userEvent.click(screen.getByRole('radio', { name: /OpenAI/ }));
    expect((screen.getByLabelText('OpenAI base model') as HTMLInputElement).value).toBe('gpt-4o-mini-2024-07-18');
    expect(screen.queryByLabelText('GPUs')).toBeNull();
    await userEvent.type(screen.getByLabelText('Model name'), 'support');
    await userEvent.type(screen.getByLabelText('System prompt (optional)'), 'Label the review.');
    await userEvent.type(screen.getByLabelText('epochs'), '3');
    await userEvent.type(screen.getByLabelText('batchSize'), 'auto');
    await userEvent.click(screen.getByRole('button', { name: 'Launch run' }));
    await screen.findByText('taken');
    expect(sent(fetch)).toMatchObject({
      task: 'CLASSIFICATION', datasetId: 'd1', modelName: 'support', provider: 'OPENAI',
      baseModel: 'gpt-4o-mini-2024-07-18', systemPrompt: 'Label the review.', hyperparameters: { epochs: 3 },
    });
    expect(sent(fetch).gpus).toBeUndefined();
  });

  it('shows OPENAI_NOT_CONFIGURED beside the provider and INVALID_ROW beside the dataset, naming the line', async () => {
    const { client } = clientAnswering({
      run: null,
      userErrors: [
        { field: ['input', 'provider'], message: 'no OpenAI API key: an admin sets one with setOpenAiApiKey', code: 'OPENAI_NOT_CONFIGURED' },
        { field: ['input', 'datasetId'], message: 'train split, line 7: the example is over the token limit', code: 'INVALID_ROW' },
      ],
    });
    render(<MemoryRouter><Provider value={client}><LaunchForm task="TRANSLATION" options={options} initialDatasetId="d1" /></Provider></MemoryRouter>);
    await userEvent.click(screen.getByRole('radio', { name: /OpenAI/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Launch run' }));
    const providerError = await screen.findByText(/no OpenAI API key/);
    const keyLink = screen.getByRole('link', { name: 'Settings → OpenAI' });
    expect(keyLink.getAttribute('href')).toBe('/settings/openai');
    expect(providerError.closest('fieldset')?.getAttribute('aria-describedby')).toBe(`${providerError.id} ${keyLink.closest('p')?.id}`);
    expect(screen.getByText(/line 7/).id).toBe(screen.getByLabelText('Dataset').getAttribute('aria-describedby'));
    expect(screen.getByLabelText('Dataset').getAttribute('aria-invalid')).toBe('true');
  });

  it('offers no provider choice for recommendation', () => {
    const { client } = clientAnswering(null);
    render(<MemoryRouter><Provider value={client}><LaunchForm task="RECOMMENDATION" options={options} initialDatasetId="d1" /></Provider></MemoryRouter>);
    expect(screen.queryByRole('radio', { name: /OpenAI/ })).toBeNull();
  });
});
