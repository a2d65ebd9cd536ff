// Who is signed in: GET /api/v1/me once per page, sign-in and sign-out.

import { ApiError } from './api';

/** The signed-in user (GET /api/v1/me). Name and e-mail come from the identity provider. */
export interface Me {
  id: string;
  name: string;
  email: string;
  expires_at: string;
  /** Anyone may sign in under any name (built-in provider, development mode). */
  development: boolean;
}

let current: Promise<Me | null> | null = null;
const listeners = new Set<(me: Me | null) => void>();

async function fetchMe(): Promise<Me | null> {
  const res = await fetch('/api/v1/me', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  if (res.status === 401 || res.status === 404) return null; // signed out, or sign-in not configured
  if (!res.ok) throw new ApiError(res.status, 'http_' + res.status, res.statusText);
  return (await res.json()) as Me;
}

/** The signed-in user, or null. Asked once; a failure counts as signed out. */
export function me(): Promise<Me | null> {
  current ??= fetchMe().catch((err: unknown) => {
    console.warn('visio: who am I', err);
    return null;
  });
  return current;
}

/** Calls fn with the user now and whenever it changes; returns an unsubscribe function. */
export function onMe(fn: (me: Me | null) => void): () => void {
  listeners.add(fn);
  void me().then((m) => {
    if (listeners.has(fn)) fn(m);
  });
  return () => listeners.delete(fn);
}

/** The sign-in URL that comes back to path (default: the current page). */
export function signInUrl(path = location.pathname): string {
  return '/auth/login?return=' + encodeURIComponent(path);
}

/** Goes to the identity provider; comes back to path. */
export function signIn(path = location.pathname): void {
  location.assign(signInUrl(path));
}

/**
 * Ends the session, then goes where the server says (the provider's sign-out page, or home).
 * A plain form post to an outside provider would be blocked by our Content-Security-Policy.
 */
export async function signOut(): Promise<void> {
  const res = await fetch('/auth/logout', { method: 'POST', headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  const body = (await res.json().catch(() => null)) as { redirect?: string } | null;
  current = Promise.resolve(null);
  for (const fn of listeners) fn(null);
  location.assign(body?.redirect || '/');
}
