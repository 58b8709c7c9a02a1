import { useSyncExternalStore } from 'react';

/**
 * The signed-in session, kept in localStorage so a reload or a second tab stays signed in.
 * `tenantId` is the tenant requests act for (sent as `X-Tenant-Id`); the tenant switcher changes it.
 */
export interface Session {
  token: string;
  refreshToken: string;
  /** When the access token expires (ISO time), if the server said. */
  expiresAt: string | null;
  email: string;
  tenantId: string | null;
}

const KEY = 'tuneforge.session';
const listeners = new Set<() => void>();

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.token === 'string' && typeof v.refreshToken === 'string' && typeof v.email === 'string';
}

function readStored(): Session | null {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    return isSession(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

let current: Session | null = typeof localStorage === 'undefined' ? null : readStored();

function emit(): void {
  for (const listener of listeners) listener();
}

export function getSession(): Session | null {
  return current;
}

/** The session another tab may have stored since this one read it (after a refresh there). */
export function getStoredSession(): Session | null {
  return readStored();
}

export function setSession(next: Session | null): void {
  current = next;
  if (next) localStorage.setItem(KEY, JSON.stringify(next));
  else localStorage.removeItem(KEY);
  emit();
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// A log-in, log-out, refresh or tenant switch in another tab applies here too.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key !== KEY) return;
    current = readStored();
    emit();
  });
}

export function useSession(): Session | null {
  return useSyncExternalStore(subscribeSession, getSession);
}

/** True when the access token expires within `marginMs` (refresh before the server says no). */
export function expiresSoon(session: Session, marginMs = 30_000): boolean {
  return session.expiresAt !== null && Date.parse(session.expiresAt) - Date.now() < marginMs;
}
