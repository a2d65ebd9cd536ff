// Rooms API: create, list mine, and ask for a join token (docs/openapi.yaml).

import { ApiError } from './api';

/** Who enters without waiting. */
export type Access = 'public' | 'trusted' | 'restricted';
export const accessLevels: Access[] = ['public', 'trusted', 'restricted'];

/** A role on a room; "" is none. */
export type Role = 'owner' | 'administrator' | 'member' | '';

export interface Room {
  code: string;
  url: string;
  name: string;
  access: Access;
  locked: boolean;
  participants: number;
  role?: Role;
  created_at?: string;
}

/** The answer to POST /api/v1/rooms/{code}/join. */
export interface JoinTicket {
  token: string;
  access: 'direct' | 'lobby';
  expires_at: string;
  name: string;
  signed_in: boolean;
  role: Role;
  room: Pick<Room, 'code' | 'name' | 'access' | 'locked'>;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.message ?? res.statusText);
  }
  return data as T;
}

/** Creates a room owned by the signed-in user. */
export function createNamedRoom(name: string, access: Access): Promise<Room> {
  return call<Room>('POST', '/api/v1/rooms', { name, access });
}

/** The rooms on which the signed-in user has a role, most recently used first. */
export async function myRooms(): Promise<Room[]> {
  const res = await call<{ rooms?: Room[] }>('GET', '/api/v1/rooms');
  return res.rooms ?? [];
}

/** Looks a room up (name, access, the caller's role); ApiError room_not_found when unknown. */
export function lookupRoom(code: string): Promise<Room> {
  return call<Room>('GET', `/api/v1/rooms/${encodeURIComponent(code)}`);
}

/** Asks for a single-use join token. name is for guests; signed-in users get theirs from their identity. */
export function joinTicket(code: string, name?: string): Promise<JoinTicket> {
  return call<JoinTicket>('POST', `/api/v1/rooms/${encodeURIComponent(code)}/join`, name ? { name } : {});
}

/** The shareable link of a room. */
export function roomLink(room: Pick<Room, 'code'> & { url?: string }): string {
  return room.url || `${location.origin}/${room.code}`;
}

/** Copies text to the clipboard; false when the browser refuses. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement('textarea');
    ta.className = 'sr-only';
    ta.readOnly = true;
    ta.value = text;
    document.body.append(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  }
}
