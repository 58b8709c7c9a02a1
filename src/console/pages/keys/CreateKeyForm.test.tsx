import { Client, fetchExchange } from '@urql/core';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Provider } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import { CreateKeyForm } from './CreateKeyForm';

/** A real urql client whose fetch answers like the API would. */
function clientAnswering(answer: (variables: { input: { name: string; scopes: string[] } }) => unknown) {
  const fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as { variables: { input: { name: string; scopes: string[] } } };
    return new Response(JSON.stringify({ data: { createApiKey: answer(body.variables) } }), { headers: { 'content-type': 'application/json' } });
  });
  return { client: new Client({ url: 'http://api.test/graphql', exchanges: [fetchExchange], fetch, preferGetMethod: false }), fetch };
}

describe('CreateKeyForm', () => {
  it('shows the server\'s userErrors beside their fields', async () => {
    const { client } = clientAnswering(() => ({
      apiKey: null,
      secret: null,
      userErrors: [{ field: ['input', 'name'], message: 'name is required', code: 'INVALID' }],
    }));
    render(<Provider value={client}><CreateKeyForm grantable={['admin']} onCreated={() => {}} /></Provider>);
    await userEvent.click(screen.getByRole('button', { name: 'Create key' }));
    const name = await screen.findByLabelText('Key name');
    expect(await screen.findByText('name is required')).toBeTruthy();
    expect(name.getAttribute('aria-invalid')).toBe('true');
  });

  it('sends the chosen scopes, shows the secret once, and offers only scopes the creator has', async () => {
    const onCreated = vi.fn();
    const { client, fetch } = clientAnswering(({ input }) => ({
      apiKey: { __typename: 'ApiKey', id: 'k1', name: input.name, prefix: 'abcd', scopes: input.scopes, createdAt: '2026-11-29T10:00:00Z' },
      secret: 'tfk_abcd_secret',
      userErrors: [],
    }));
    render(<Provider value={client}><CreateKeyForm grantable={['runs:read', 'models:invoke']} onCreated={onCreated} /></Provider>);
    expect((screen.getByRole('checkbox', { name: /datasets:write/ }) as HTMLInputElement).disabled).toBe(true);
    await userEvent.type(screen.getByLabelText('Key name'), 'recs');
    await userEvent.click(screen.getByRole('checkbox', { name: /models:invoke/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Create key' }));
    expect((await screen.findByTestId('api-key-secret')).textContent).toBe('tfk_abcd_secret');
    expect(JSON.parse(String(fetch.mock.calls[0][1]?.body)).variables).toEqual({ input: { name: 'recs', scopes: ['models:invoke'] } });
    expect(onCreated).toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'I have stored it' }));
    expect(screen.queryByTestId('api-key-secret')).toBeNull();
  });
});
