import { Client, fetchExchange } from '@urql/core';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Provider } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import { ViewerContext, type Viewer } from '../../app/viewer';
import { OpenAiSettingsPage } from './OpenAiSettingsPage';

type Body = { query: string; variables: { input?: { apiKey: string | null } } };
type Settings = { apiKeySource: 'TENANT' | 'PLATFORM' | 'NONE'; apiKeyLast4: string | null; apiKeyUpdatedAt: string | null };

const none: Settings = { apiKeySource: 'NONE', apiKeyLast4: null, apiKeyUpdatedAt: null };
const platform: Settings = { apiKeySource: 'PLATFORM', apiKeyLast4: null, apiKeyUpdatedAt: null };
const own = (last4: string): Settings => ({ apiKeySource: 'TENANT', apiKeyLast4: last4, apiKeyUpdatedAt: '2026-03-01T10:00:00Z' });
const typed = (s: Settings) => ({ __typename: 'OpenAiSettingsType', ...s });

/**
 * A real urql client whose fetch answers like the API: openAiSettings reads the stored status,
 * setOpenAiApiKey changes it (or answers what `mutation` returns instead).
 */
function fakeApi(initial: Settings, { platformKey = false, mutation }: { platformKey?: boolean; mutation?: (body: Body) => unknown } = {}) {
  let current = initial;
  const fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as Body;
    let answer: unknown;
    if (!body.query.includes('mutation')) answer = { data: { openAiSettings: typed(current) } };
    else if (mutation) answer = mutation(body);
    else {
      const key = body.variables.input?.apiKey ?? null;
      current = key === null ? (platformKey ? platform : none) : own(key.slice(-4));
      answer = { data: { setOpenAiApiKey: { __typename: 'OpenAiSettingsPayload', settings: typed(current), userErrors: [] } } };
    }
    return new Response(JSON.stringify(answer), { headers: { 'content-type': 'application/json' } });
  });
  const client = new Client({ url: 'http://api.test/graphql', exchanges: [fetchExchange], fetch, preferGetMethod: false });
  const sent = () => fetch.mock.calls.map((c) => JSON.parse(String(c[1]?.body)) as Body).filter((b) => b.query.includes('mutation')).map((b) => b.variables);
  return { client, sent };
}

const viewer = (scopes: string[]) => ({ user: { id: 'u1', email: 'a@example.com' }, role: 'ADMIN', scopes, tenant: { id: 't1', name: 'Acme', plan: 'free' }, tenants: [] }) as unknown as Viewer;

function renderPage(client: Client, scopes = ['admin']) {
  render(
    <ViewerContext.Provider value={viewer(scopes)}>
      <Provider value={client}><OpenAiSettingsPage /></Provider>
    </ViewerContext.Provider>,
  );
}

const status = async () => (await screen.findByTestId('openai-key-status')).textContent ?? '';

describe('OpenAiSettingsPage', () => {
  it.each([
    [own('abcd'), /This tenant's own key, ending in …abcd/, true],
    [platform, /The platform's key/, false],
    [none, /No key.*refused until a key is set/, false],
  ] as const)('shows whose key OpenAI calls use (%#)', async (settings, text, removable) => {
    renderPage(fakeApi(settings).client);
    expect(await status()).toMatch(text);
    expect(screen.queryByRole('button', { name: 'Remove' }) !== null).toBe(removable);
    expect(screen.getByRole('button', { name: removable ? 'Replace key' : 'Save key' })).toBeTruthy();
  });

  it('sets the key from a password field, clears it, and shows only the new last 4 characters', async () => {
    const { client, sent } = fakeApi(platform);
    renderPage(client);
    await status();
    const input = screen.getByLabelText('OpenAI API key') as HTMLInputElement;
    expect(input.type).toBe('password');
    await userEvent.type(input, 'sk-test-secret-wxyz');
    await userEvent.click(screen.getByRole('button', { name: 'Save key' }));
    expect(await screen.findByText(/Saved\. OpenAI calls use the key ending in …wxyz/)).toBeTruthy();
    expect(input.value).toBe('');
    expect(await status()).toMatch(/own key, ending in …wxyz/);
    expect(sent()).toEqual([{ input: { apiKey: 'sk-test-secret-wxyz' } }]);
    expect(document.body.textContent).not.toContain('sk-test-secret');
  });

  it('removes the key only after the confirmation, sending null', async () => {
    const { client, sent } = fakeApi(own('abcd'), { platformKey: true });
    renderPage(client);
    await status();
    await userEvent.click(screen.getByRole('button', { name: 'Remove' }));
    const confirm = screen.getByRole('group', { name: 'Remove' });
    expect(within(confirm).getByText(/Remove this tenant's OpenAI key\?/)).toBeTruthy();
    expect(sent()).toEqual([]);
    const yes = within(confirm).getByRole('button', { name: 'Remove key' });
    expect(document.activeElement).toBe(yes);
    await userEvent.click(yes);
    expect(await screen.findByText(/Removed\./)).toBeTruthy();
    expect(await status()).toMatch(/The platform's key/);
    expect(sent()).toEqual([{ input: { apiKey: null } }]);
    expect(screen.queryByRole('button', { name: 'Remove' })).toBeNull();
  });

  it('shows userErrors beside the field', async () => {
    const { client } = fakeApi(none, {
      mutation: () => ({ data: { setOpenAiApiKey: { settings: null, userErrors: [{ field: ['input', 'apiKey'], message: 'apiKey must be 8 to 500 characters without spaces', code: 'BAD_USER_INPUT' }] } } }),
    });
    renderPage(client);
    await status();
    const input = screen.getByLabelText('OpenAI API key');
    await userEvent.type(input, 'sk-1');
    await userEvent.click(screen.getByRole('button', { name: 'Save key' }));
    const error = await screen.findByText(/apiKey must be 8 to 500 characters/);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toContain(error.id);
    expect(await status()).toMatch(/No key/);
  });

  it('shows the status read-only to members without the admin scope', async () => {
    const { client, sent } = fakeApi(own('abcd'));
    renderPage(client, ['datasets:read', 'runs:read', 'runs:write']);
    expect(await status()).toMatch(/ending in …abcd/);
    expect(screen.queryByLabelText('OpenAI API key')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove' })).toBeNull();
    expect(screen.getByText(/Only admins and owners set this tenant's OpenAI key/)).toBeTruthy();
    expect(sent()).toEqual([]);
  });

  it('turns read-only when the API answers FORBIDDEN', async () => {
    const { client } = fakeApi(none, {
      mutation: () => ({ data: null, errors: [{ message: 'Forbidden', extensions: { code: 'FORBIDDEN', requiredScope: 'admin' } }] }),
    });
    renderPage(client);
    await status();
    await userEvent.type(screen.getByLabelText('OpenAI API key'), 'sk-test-secret-wxyz');
    await userEvent.click(screen.getByRole('button', { name: 'Save key' }));
    expect(await screen.findByText(/Only admins and owners set this tenant's OpenAI key/)).toBeTruthy();
    expect(screen.queryByLabelText('OpenAI API key')).toBeNull();
    expect(await status()).toMatch(/No key/);
  });
});
