import { Client, fetchExchange } from '@urql/core';
import { LogInDocument, LogOutDocument, RefreshSessionDocument, SignUpDocument } from './auth.operations';
import { describeError, problemText, type UserError } from './errors';
import { getSession, getStoredSession, setSession, type Session } from './session';
import type { LogInInput, SignUpInput } from '../gql/graphql';

/** Sessions are made and renewed without credentials, so these calls skip the app client's auth exchange. */
const anonymous = new Client({ url: '/graphql', exchanges: [fetchExchange], preferGetMethod: false, requestPolicy: 'network-only' });

export type AuthOutcome = { ok: true } | { ok: false; userErrors: readonly UserError[]; message: string | null };

interface AuthAnswer {
  token?: string | null;
  refreshToken?: string | null;
  expiresAt?: string | null;
  user?: { email: string } | null;
  tenant?: { id: string } | null;
  userErrors: readonly UserError[];
}

function adopt(answer: AuthAnswer | undefined, error: Parameters<typeof describeError>[0] | undefined): AuthOutcome {
  if (error) return { ok: false, userErrors: [], message: problemText(describeError(error)) };
  if (!answer?.token || !answer.refreshToken || !answer.user) return { ok: false, userErrors: answer?.userErrors ?? [], message: null };
  setSession({ token: answer.token, refreshToken: answer.refreshToken, expiresAt: answer.expiresAt ?? null, email: answer.user.email, tenantId: answer.tenant?.id ?? null });
  return { ok: true };
}

export async function signUp(input: SignUpInput): Promise<AuthOutcome> {
  const res = await anonymous.mutation(SignUpDocument, { input }).toPromise();
  return adopt(res.data?.signUp, res.error);
}

export async function logIn(input: LogInInput): Promise<AuthOutcome> {
  const res = await anonymous.mutation(LogInDocument, { input }).toPromise();
  return adopt(res.data?.logIn, res.error);
}

export async function logOut(): Promise<void> {
  const session = getSession();
  setSession(null);
  if (session) await anonymous.mutation(LogOutDocument, { refreshToken: session.refreshToken }).toPromise();
}

/** Runs `fn` while holding a lock shared by every tab, where the browser has Web Locks. */
async function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks.request('tuneforge-refresh', fn) : fn();
}

let inFlight: Promise<Session | null> | null = null;

/**
 * Exchanges the refresh token for a new pair. Refresh tokens work once and reusing one revokes the
 * session, so one refresh runs at a time across tabs, and a tab adopts a pair another tab just got.
 * Clears the session (signs out) when the server refuses.
 */
export function refreshSession(): Promise<Session | null> {
  inFlight ??= withRefreshLock(async () => {
    const mine = getSession();
    if (!mine) return null;
    const stored = getStoredSession();
    if (stored && stored.refreshToken !== mine.refreshToken) {
      setSession(stored);
      return stored;
    }
    const res = await anonymous.mutation(RefreshSessionDocument, { refreshToken: mine.refreshToken }).toPromise();
    const answer = res.data?.refreshSession;
    if (res.error && !res.error.graphQLErrors.length) return mine; // offline: keep the session, try again later
    if (!answer?.token || !answer.refreshToken) {
      setSession(null);
      return null;
    }
    const next = { ...mine, token: answer.token, refreshToken: answer.refreshToken, expiresAt: answer.expiresAt ?? null };
    setSession(next);
    return next;
  }).finally(() => {
    inFlight = null;
  });
  return inFlight;
}
