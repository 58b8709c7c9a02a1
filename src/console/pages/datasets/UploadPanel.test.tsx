import { Client, fetchExchange } from '@urql/core';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { Provider } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import type { UploadResult, UploadTarget } from '../../api/upload';
import { UploadPanel } from './UploadPanel';

const sendFile = vi.hoisted(() => vi.fn());
vi.mock('../../api/upload', () => ({ sendFile }));

function clientAnswering(createDatasetUpload: unknown) {
  const fetch = vi.fn(async () => new Response(JSON.stringify({ data: { createDatasetUpload } }), { headers: { 'content-type': 'application/json' } }));
  return { client: new Client({ url: 'http://api.test/graphql', exchanges: [fetchExchange], fetch, preferGetMethod: false }), fetch };
}
const sentInput = (fetch: ReturnType<typeof vi.fn>) => JSON.parse(String((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].body)).variables.input;
const target = (split: string) => ({ __typename: 'DatasetUploadTarget', id: `u-${split}`, split, url: `http://api.test/uploads/${split}`, method: 'PUT', headers: {}, expiresAt: '2026-01-01T00:00:00Z', maxBytes: 1e6 });
const dataset = (status: string, rowCount: number | null) => ({ id: 'd1', status, rowCount, errorCount: 0, errors: [], failureReason: null });
const file = (name: string, text: string) => new File([text], name, { type: 'text/tab-separated-values' });

function renderPanel(client: Client) {
  render(<MemoryRouter><Provider value={client}><UploadPanel onUploaded={() => {}} /></Provider></MemoryRouter>);
}

describe('UploadPanel splits', () => {
  it('sends one file per split, each to its own URL, and shows each file\'s answer', async () => {
    const { client, fetch } = clientAnswering({ upload: null, uploads: [target('TRAIN'), target('TEST')], dataset: { id: 'd1', status: 'UPLOADING' }, userErrors: [] });
    sendFile.mockImplementation(async (t: UploadTarget, _f: Blob, onProgress: (s: number, n: number) => void): Promise<UploadResult> => {
      onProgress(5, 10);
      return t.url.endsWith('TRAIN')
        ? { status: 202, dataset: dataset('PROCESSING', null), part: { split: 'TRAIN', status: 'RECEIVED', rowCount: 29, byteSize: 300, waitingFor: ['TEST'] }, error: null }
        : { status: 200, dataset: dataset('READY', 39), part: { split: 'TEST', status: 'RECEIVED', rowCount: 10, byteSize: 100, waitingFor: [] }, error: null };
    });
    renderPanel(client);
    await userEvent.selectOptions(screen.getByLabelText('Splits'), 'files');
    await userEvent.click(screen.getByRole('button', { name: 'Upload and validate' }));
    expect(screen.getByText('Choose the train and test files.')).toBeTruthy();
    await userEvent.upload(screen.getByLabelText('Train file'), file('train.tsv', 'a\tb\n'));
    await userEvent.upload(screen.getByLabelText('Test file'), file('test.tsv', 'c\td\n'));
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('train.tsv');
    await userEvent.click(screen.getByRole('button', { name: 'Upload and validate' }));
    expect(await screen.findByText(/Validated: 39 rows/)).toBeTruthy();
    expect(sentInput(fetch)).toMatchObject({ format: 'TSV', splitFiles: ['TRAIN', 'TEST'], byteSize: 8 });
    expect(sendFile).toHaveBeenCalledTimes(2);
    const files = within(screen.getByRole('list', { name: 'Files sent' }));
    expect(files.getByRole('progressbar', { name: 'Train file upload' }).getAttribute('aria-valuetext')).toBe('Train file: Received: 29 rows, 300 B; waiting for test');
    expect(files.getByRole('progressbar', { name: 'Test file upload' }).getAttribute('aria-valuetext')).toBe('Test file: Received: 10 rows, 100 B; all files in');
  });

  it('sends a split column as options.splitColumn and shows its userError beside the field', async () => {
    const { client, fetch } = clientAnswering({ upload: null, uploads: [], dataset: null, userErrors: [{ field: ['input', 'options', 'splitColumn'], message: 'not with options.seed', code: 'BAD_USER_INPUT' }] });
    renderPanel(client);
    await userEvent.upload(document.getElementById('dataset-file') as HTMLInputElement, file('reviews.csv', 'text,label,split\n'));
    await userEvent.selectOptions(screen.getByLabelText('Splits'), 'column');
    await userEvent.type(screen.getByLabelText('Split column'), 'split');
    await userEvent.click(screen.getByRole('button', { name: 'Upload and validate' }));
    expect(await screen.findByText('not with options.seed')).toBeTruthy();
    expect(screen.getByLabelText('Split column').getAttribute('aria-invalid')).toBe('true');
    expect(sentInput(fetch)).toMatchObject({ format: 'CSV', options: { splitColumn: 'split' } });
    expect(sentInput(fetch).splitFiles).toBeUndefined();
  });
});
