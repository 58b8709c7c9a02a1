import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { consoleDir } from '../src/server/console-routes';
import { datasetsDir, gql, PASSWORD, signUp, startTestApi, TestApi, uniqueEmail } from './helpers';

/**
 * The web console in headless Chromium (Debian's, driven by playwright-core) against the real API
 * on the real database: the path a tenant admin takes, from sign-up to a trained model.
 * Screenshots go to CONSOLE_SCREENSHOTS (docs/screenshots when refreshing the README's), else a temp dir.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DATA = datasetsDir();
const runnable = fs.existsSync(CHROMIUM) && DATA !== null;
if (!runnable) console.warn(`skipping console end-to-end test: ${DATA ? `no Chromium at ${CHROMIUM} (apt-get install chromium)` : 'shared/datasets not found (set TUNEFORGE_DATASETS)'}`);
const SHOTS = process.env.CONSOLE_SCREENSHOTS ? path.resolve(process.env.CONSOLE_SCREENSHOTS) : fs.mkdtempSync(path.join(os.tmpdir(), 'tuneforge-console-'));

/** A slice of MovieLens read from the shared folder at test time (never copied into the repository). */
const ratingsSlice = (rows: number) => Buffer.from(fs.readFileSync(path.join(DATA!, 'movielens-100k/u.data'), 'utf8').split('\n').slice(0, rows).join('\n') + '\n');

(runnable ? describe : describe.skip)('web console in Chromium', () => {
  let t: TestApi;
  let browser: Browser;
  let page: Page;
  const email = uniqueEmail('console');
  const pageErrors: string[] = [];

  const nav = (name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name });
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    if (!consoleDir()) throw new Error('the console is not built: run `npm run build` (or `npm run console:build`) first');
    t = await startTestApi({ DISPATCHER_ENABLED: 'true', RUN_HEARTBEAT_SECONDS: '0.5', RUN_HEARTBEAT_TIMEOUT_SECONDS: '10' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.base });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 120_000); // a server with its dispatcher and a browser: slow to start on a busy 2-core machine

  afterAll(async () => {
    // Failed requests the tests provoke on purpose (a refused upload: 422) are the only errors expected.
    expect(pageErrors.filter((e) => !/status of 422/.test(e))).toEqual([]);
    await browser?.close();
    await t?.stop();
  });

  it('keeps the first page\'s JavaScript under 300 kB gzip (the rest is split into lazy chunks)', () => {
    const dir = consoleDir()!;
    const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    const gzipped = scripts.reduce((sum, file) => sum + zlib.gzipSync(fs.readFileSync(path.join(dir, file))).length, 0);
    expect(gzipped).toBeLessThan(300_000);
  });

  it('signs up and lands on an empty datasets page', async () => {
    await page.goto(`${t.base}/console/`);
    await page.waitForURL('**/console/login**');
    await shot('login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByLabel('Organisation name').fill('Console Co');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.locator('.field-invalid').filter({ hasText: 'Password' }).waitFor(); // the server's userError for the short password
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL('**/console/datasets');
    await page.getByText('No datasets yet.').waitFor();
    expect(await page.locator('.tenant-name').textContent()).toBe('Console Co');
  });

  it('uploads a slice of MovieLens with a progress bar and shows it READY with statistics', async () => {
    await page.locator('#dataset-file').setInputFiles({ name: 'u.data', mimeType: 'text/tab-separated-values', buffer: ratingsSlice(3000) });
    expect(await page.getByLabel('Format').inputValue()).toBe('TSV');
    await page.getByRole('button', { name: 'Upload and validate' }).click();
    await page.getByText('Validated: 3,000 rows').waitFor();
    await page.getByRole('row', { name: /u\.data .*ready/i }).waitFor(); // the list updated without a reload
    await shot('datasets');
    await page.getByRole('link', { name: 'Open the dataset' }).click();
    await page.getByRole('heading', { name: 'Statistics' }).waitFor();
    await page.getByText('Users', { exact: true }).waitFor();
    await page.getByRole('table', { name: /First 10 rows/ }).waitFor();
    await shot('dataset');
  });

  it('shows a refused file with its row errors and line numbers', async () => {
    await nav('Datasets').click();
    await page.locator('#dataset-file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('user_id,item_id,rating\n1,10,4\n2,11,five\n3,12,3\n') });
    await page.getByRole('button', { name: 'Upload and validate' }).click();
    await page.getByText('The file was refused').waitFor();
    const errorRow = page.getByRole('table', { name: /Row errors/ }).getByRole('row').nth(1);
    expect(await errorRow.locator('td').first().textContent()).toBe('3');
  });

  it('launches a run, shows field errors inline, then draws live metric points until SUCCEEDED', async () => {
    await nav('Runs').click();
    await page.getByText('No runs yet.').waitFor();
    await page.getByRole('link', { name: 'Launch a run' }).click();
    await page.getByLabel('Model name').fill('console-recs');
    await page.getByLabel('epochs', { exact: true }).fill('0');
    await page.getByRole('button', { name: 'Launch run' }).click();
    await page.locator('.field-invalid').filter({ hasText: 'epochs' }).waitFor(); // the server's userErrors, beside the field
    await shot('launch-run');
    await page.getByLabel('epochs', { exact: true }).fill('4');
    await page.getByRole('button', { name: 'Launch run' }).click();
    await page.waitForURL(/\/console\/runs\/[^/]+$/);
    await page.getByText('No metric points yet').waitFor(); // so the points below come over the runMetricLogged subscription
    await page.locator('figure.chart:not([data-points="0"])').first().waitFor({ timeout: 90_000 });
    await page.locator('.breadcrumb .badge', { hasText: 'succeeded' }).waitFor({ timeout: 90_000 });
    await page.getByRole('heading', { name: /Evaluation on the test split/ }).waitFor();
    await shot('run');
    // A reload lands on the same page (the server answers index.html for the console's routes).
    await page.reload();
    await page.getByRole('heading', { name: 'console-recs' }).waitFor();
    await nav('Runs').click();
    await page.getByRole('row', { name: /console-recs/ }).getByText('succeeded').waitFor();
    await shot('runs');
  }, 150_000);

  it('lists the trained model, shows version 1 beside its baseline, moves production, and asks the recommendation playground', async () => {
    await nav('Models').click();
    await page.getByRole('row', { name: /console-recs.*Recommendation.*v1/ }).waitFor();
    await shot('models');
    await page.getByRole('link', { name: 'console-recs' }).click();
    await page.getByRole('heading', { name: 'console-recs' }).waitFor();
    const v1 = page.getByRole('table', { name: 'Versions' }).getByRole('row', { name: /^v1/ });
    await v1.getByText(/baseline/).first().waitFor(); // the test metrics, each beside the baseline's
    await page.getByText('No aliases yet').waitFor();
    await page.getByRole('button', { name: 'Move production' }).click();
    await page.getByRole('group', { name: 'Move production' }).getByRole('button', { name: 'Move it' }).click();
    expect(await page.getByTestId('alias-moved').textContent()).toBe('production now points to v1 (it was not set before).');
    await v1.locator('code', { hasText: 'production' }).waitFor();
    // The playground: a user from the uploaded slice (the first line of u.data) gets items with scores.
    await page.getByLabel('User id').fill('196');
    await page.getByRole('button', { name: 'Ask the model' }).click();
    await page.getByText(/Answered by v1 in \d+ ms/).waitFor();
    expect(await page.getByRole('table', { name: 'Recommended items' }).getByRole('row').count()).toBe(11); // the header and 10 items
    await shot('model');
  });

  it('uploads one file per split with each file\'s answer, and offers OpenAI runs and baselines (refused inline without a key)', async () => {
    const reviews = (n: number, offset: number) => Buffer.from('text,label\n' + Array.from({ length: n }, (_, i) => `${i % 2 ? 'a dull film' : 'a fine film'} number ${i + offset},${i % 2 ? 'neg' : 'pos'}\n`).join(''));
    await nav('Datasets').click();
    const upload = page.getByRole('region', { name: 'Upload a dataset' });
    await upload.getByLabel('Task').selectOption('CLASSIFICATION');
    await upload.getByLabel('Splits').selectOption('files');
    await page.getByLabel('Train file').setInputFiles({ name: 'reviews-train.csv', mimeType: 'text/csv', buffer: reviews(40, 0) });
    await page.getByLabel('Test file').setInputFiles({ name: 'reviews-test.csv', mimeType: 'text/csv', buffer: reviews(10, 100) });
    await page.getByRole('button', { name: 'Upload and validate' }).click();
    await page.getByText('Validated: 50 rows').waitFor();
    const sent = page.getByRole('list', { name: 'Files sent' });
    expect(await sent.getByRole('progressbar', { name: 'Train file upload' }).getAttribute('aria-valuetext')).toMatch(/^Train file: Received: 40 rows/);
    expect(await sent.getByRole('progressbar', { name: 'Test file upload' }).getAttribute('aria-valuetext')).toMatch(/^Test file: Received: 10 rows/);
    await shot('datasets-split-files');
    await page.getByRole('link', { name: 'Open the dataset' }).click();
    const files = page.getByRole('list', { name: 'Files' });
    await files.getByRole('listitem').filter({ hasText: /^Train received 40 rows/ }).waitFor();
    await files.getByRole('listitem').filter({ hasText: /^Test received 10 rows/ }).waitFor();
    // No OpenAI key on this server: the baseline is refused beside the model, with the hint.
    await page.getByRole('heading', { name: 'Compare with an OpenAI model' }).waitFor();
    await page.getByRole('button', { name: 'Evaluate on the test split' }).click();
    await page.locator('.field-invalid').filter({ hasText: 'no OpenAI API key' }).waitFor();
    await page.getByText(/An admin of this tenant sets its OpenAI key/).waitFor();
    await page.getByText(/Nothing to compare yet/).waitFor();
    await shot('dataset-compare');
    // The launch form offers OpenAI for the classification dataset; without a key, launchRun says so beside the provider.
    await page.getByRole('link', { name: 'Train a model' }).click();
    await page.getByRole('radio', { name: /OpenAI/ }).check();
    expect(await page.getByLabel('OpenAI base model').inputValue()).toBe('gpt-4o-mini-2024-07-18');
    await page.getByLabel('Model name').fill('reviews-openai');
    await page.getByRole('button', { name: 'Launch run' }).click();
    await page.locator('fieldset.field-invalid').filter({ hasText: 'no OpenAI API key' }).waitFor();
    await shot('launch-run-openai');
  });

  it('shows the plan, limits and GPU-hours in ledger-only mode, with Stripe not connected', async () => {
    await nav('Usage & billing').click();
    await page.getByRole('heading', { name: /^Plan: / }).waitFor();
    await page.getByText('Concurrent runs').waitFor();
    await page.getByText(/^Stripe not connected: usage is recorded/).waitFor();
    await page.getByText('Stripe not connected: no invoice preview.').waitFor();
    expect(Number(await page.getByTestId('usage-gpu-hours').textContent())).toBeGreaterThan(0);
    await page.getByRole('table', { name: 'GPU time by run' }).getByRole('row', { name: /console-recs/ }).waitFor();
    await page.locator('figure.day-chart:not([data-bars="0"])').first().waitFor();
    await page.getByRole('button', { name: 'Billing portal' }).click();
    await page.getByRole('alert').filter({ hasText: 'BILLING_NOT_CONFIGURED' }).waitFor(); // the mutation's userError, inline
    await shot('usage');
  });

  it('creates an API key, shows its secret once with a copy button, and revokes it', async () => {
    await nav('API keys').click();
    await page.getByText('No API keys yet.').waitFor();
    await page.getByLabel('Key name').fill('recommendations service');
    await page.getByRole('checkbox', { name: /models:invoke/ }).check();
    await page.getByRole('checkbox', { name: /runs:read/ }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('api-key-secret').textContent()) ?? '';
    expect(secret).toMatch(/^tfk_/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    await shot('api-keys');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.getByTestId('api-key-secret').count()).toBe(0);
    await page.getByRole('row', { name: /recommendations service/ }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('group', { name: 'Revoke' }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('row', { name: /recommendations service/ }).getByText('revoked').waitFor();
  });

  it('invites a member and shows the last-owner rule', async () => {
    await nav('Members').click();
    await page.getByText('Last owner: cannot be demoted or removed.').waitFor();
    const invitee = uniqueEmail('invitee');
    await page.getByLabel('Email').fill(invitee);
    await page.getByRole('button', { name: 'Invite' }).click();
    const link = (await page.getByTestId('invitation-link').textContent()) ?? '';
    expect(link).toContain('/console/invitation?token=');
    await page.getByRole('row', { name: new RegExp(invitee.replace(/[.]/g, '\\.')) }).getByText(/pending/).waitFor();
    await shot('members');

    // The invitee opens the link in their own browser, signs up, and lands in the inviting tenant.
    const theirs = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const invited = await theirs.newPage();
    await invited.goto(link);
    await invited.getByRole('link', { name: 'Create an account' }).click();
    await invited.getByLabel('Email').fill(invitee);
    await invited.getByLabel('Password').fill(PASSWORD);
    expect(await invited.getByLabel('Organisation name').count()).toBe(0);
    await invited.getByRole('button', { name: 'Sign up' }).click();
    await invited.waitForURL('**/console/datasets');
    expect(await invited.locator('.tenant-name').textContent()).toBe('Console Co');
    await invited.getByRole('link', { name: 'u.data' }).waitFor();
    await theirs.close();
    await page.reload();
    await page.getByRole('region', { name: 'Invitations' }).getByRole('row', { name: new RegExp(invitee.replace(/[.]/g, '\\.')) }).getByText(/accepted/).waitFor();
    await page.getByRole('region', { name: 'Members' }).getByRole('cell', { name: invitee, exact: true }).waitFor();
  });

  it('joins a second tenant from an invitation while signed in, and switches between tenants', async () => {
    const other = await signUp(t.url, { tenantName: 'Second Tenant' });
    const invited = await gql(t.url, `mutation($input: InviteMemberInput!) { inviteMember(input: $input) { token } }`, { input: { email, role: 'ADMIN' } }, { token: other.token });
    await page.goto(`${t.base}/console/invitation?token=${encodeURIComponent(invited.data!.inviteMember.token)}`);
    await page.getByRole('button', { name: 'Join the tenant' }).click();
    await page.waitForURL('**/console/datasets');
    const switcher = page.getByRole('combobox', { name: 'Tenant' });
    expect(await switcher.locator('option:checked').textContent()).toBe('Second Tenant');
    await page.getByText('No datasets yet.').waitFor(); // the other tenant's data, from an empty cache
    await switcher.selectOption({ label: 'Console Co' });
    await page.getByRole('link', { name: 'u.data' }).waitFor();
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('button', { name: 'Menu' }).click();
    await nav('Datasets').click();
    await page.getByRole('row', { name: /u\.data/ }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('datasets-phone');
  });

  it('logs out', async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL('**/console/login**');
    await page.goto(`${t.base}/console/runs`);
    await page.waitForURL('**/console/login?next=%2Fruns');
  });
});
