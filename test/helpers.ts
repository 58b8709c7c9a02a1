import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino, { Logger } from 'pino';
import { Config, loadConfig } from '../src/config';
import { Api, serveApi } from '../src/server/serve';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestApi {
  api: Api;
  url: string;
  base: string;
  config: Config;
  stop(): Promise<void>;
}

/** The real server, in this process, on a free port, against the run's test database. */
export async function startTestApi(env: Record<string, string> = {}, log: Logger = pino({ level: process.env.TEST_LOG ?? 'silent' })): Promise<TestApi> {
  const url = process.env.TUNEFORGE_TEST_DATABASE_URL;
  if (!url) throw new Error('TUNEFORGE_TEST_DATABASE_URL is unset: run tests through jest (test/global-setup.ts)');
  const config = loadConfig({
    DATA_DIR: process.env.TUNEFORGE_TEST_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tuneforge-test-data-')),
    DATABASE_URL: url,
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    MIGRATE_ON_START: 'false',
    DATABASE_POOL_SIZE: '10',
    RATE_LIMIT_CAPACITY: '1000000',
    RATE_LIMIT_RESTORE_RATE: '1000000',
    INFERENCE_RATE_LIMIT_CAPACITY: '1000000',
    INFERENCE_RATE_LIMIT_RESTORE_RATE: '1000000',
    // The free plan's 60 inference requests a minute would throttle the inference tests; billing tests set their own plans.
    BILLING_PLANS: JSON.stringify({ free: { inferenceRequestsPerMinute: 1_000_000 } }),
    // Test servers share one database and so one run queue: only the tests about training dispatch.
    DISPATCHER_ENABLED: 'false',
    // A dispatching server gets a queue of its own; the others only enqueue, into one shared queue.
    RUN_QUEUE: env.DISPATCHER_ENABLED === 'true' ? `test-${crypto.randomUUID().slice(0, 8)}` : 'test-not-dispatched',
    ...env,
  });
  const api = await serveApi(config, log);
  return { api, url: api.server.url, base: api.server.url.replace(/\/graphql$/, ''), config, stop: () => api.stop() };
}

export interface GqlResponse<T = Record<string, any>> {
  status: number;
  data: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[];
  extensions?: Record<string, any>;
}

/** POSTs one GraphQL operation over real HTTP. */
export async function gql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  opts: { token?: string; headers?: Record<string, string> } = {},
): Promise<GqlResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GqlResponse<T>, 'status'>;
  return { status: res.status, ...body, data: body.data ?? null };
}

export const uniqueEmail = (label = 'user') => `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
export const PASSWORD = 'correct horse battery staple';

export interface TestUser {
  email: string;
  token: string;
  refreshToken: string;
  tenantId: string;
  userId: string;
}

const SIGN_UP = `mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) { token refreshToken user { id } tenant { id } userErrors { field message code } }
}`;

/** Signs up a new user with a new tenant (or into an invited one). */
export async function signUp(url: string, opts: { tenantName?: string; email?: string; invitationToken?: string } = {}): Promise<TestUser> {
  const email = opts.email ?? uniqueEmail();
  const res = await gql(url, SIGN_UP, {
    input: { email, password: PASSWORD, tenantName: opts.invitationToken ? undefined : (opts.tenantName ?? `Tenant ${email}`), invitationToken: opts.invitationToken },
  });
  const p = res.data?.signUp;
  if (!p?.token) throw new Error(`sign-up failed: ${JSON.stringify(res)}`);
  return { email, token: p.token, refreshToken: p.refreshToken, tenantId: p.tenant.id, userId: p.user.id };
}

/** Every isolation test has a second tenant. */
export async function twoTenants(url: string): Promise<[TestUser, TestUser]> {
  return Promise.all([signUp(url, { tenantName: 'Tenant A' }), signUp(url, { tenantName: 'Tenant B' })]);
}

const CREATE_KEY = `mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { apiKey { id prefix scopes } secret userErrors { field message code } }
}`;

export async function createApiKey(url: string, token: string, scopes: string[], name = 'test key'): Promise<{ id: string; secret: string }> {
  const res = await gql(url, CREATE_KEY, { input: { name, scopes } }, { token });
  const p = res.data?.createApiKey;
  if (!p?.secret) throw new Error(`createApiKey failed: ${JSON.stringify(res)}`);
  return { id: p.apiKey.id, secret: p.secret };
}

/** The shared public datasets beside the repository (never copied into it), or null when absent. */
export function datasetsDir(): string | null {
  const candidates = [process.env.TUNEFORGE_DATASETS, path.resolve(__dirname, '../../shared/datasets')].filter((p): p is string => Boolean(p));
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}
