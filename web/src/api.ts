// HTTP API client (same origin).

/** An error answered by the API, with its stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RoomCreated {
  code: string;
  url: string;
}

export interface RoomInfo {
  code: string;
  participants: number;
}

async function call<T>(method: string, path: string): Promise<T> {
  const res = await fetch(path, { method, headers: { Accept: 'application/json' } });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.message ?? res.statusText);
  }
  return body as T;
}

/** Creates a room. */
export function createRoom(): Promise<RoomCreated> {
  return call<RoomCreated>('POST', '/api/v1/rooms');
}

/** Looks a room up; throws ApiError with code room_not_found when it does not exist. */
export function getRoom(code: string): Promise<RoomInfo> {
  return call<RoomInfo>('GET', `/api/v1/rooms/${encodeURIComponent(code)}`);
}

/** Meeting codes look like abc-defg-hij. */
export const codePattern = /^[a-z]{3}-[a-z]{4}-[a-z]{3}$/;

/** Extracts a meeting code from a code or a full link typed by the user. */
export function parseCode(input: string): string | null {
  const text = input.trim().toLowerCase();
  if (codePattern.test(text)) return text;
  try {
    const url = new URL(text);
    const last = url.pathname.split('/').filter(Boolean).pop() ?? '';
    return codePattern.test(last) ? last : null;
  } catch {
    const last = text.split('/').filter(Boolean).pop() ?? '';
    return codePattern.test(last) ? last : null;
  }
}
