// Signalling messages of the lobby and moderation (docs/protocol.md, "Entering a meeting" and
// "Moderation").

import type { Role } from '../rooms';

export type Permission = 'publish' | 'subscribe' | 'moderate';

/** The room as the meeting sees it. */
export interface RoomState {
  code: string;
  name: string;
  access: string;
  locked: boolean;
}

/** Someone waiting in the lobby, as moderators see them. */
export interface LobbyRequest {
  request_id: string;
  name: string;
  signed_in: boolean;
  requested_at?: string;
}

export type ModerationAction = 'mute' | 'mute_all' | 'camera_off' | 'stop_screen' | 'remove' | 'promote' | 'lock' | 'unlock' | 'end';

/** Fields the welcome carries for access and moderation. */
export interface AccessWelcome {
  room?: RoomState;
  permissions?: Permission[];
  lobby?: LobbyRequest[];
}

export type AccessServerMessage =
  | { type: 'lobby'; state: 'waiting'; request_id: string; moderators_present?: boolean }
  | { type: 'denied'; reason: string; message?: string }
  | ({ type: 'lobby_request' } & LobbyRequest)
  | { type: 'lobby_update'; request_id: string; state: string; actor_id?: string; actor_name?: string; reason?: string }
  | { type: 'moderation'; action: ModerationAction; actor_id: string; actor_name: string; target_id?: string; target_name?: string }
  | { type: 'room_updated'; room: RoomState };

export type AccessClientMessage =
  | { type: 'admit'; request_ids?: string[]; all?: boolean }
  | { type: 'deny'; request_ids?: string[]; all?: boolean }
  | { type: 'moderate'; action: ModerationAction; participant_id?: string };

/** Participant fields about roles. */
export interface ParticipantRole {
  /** "owner", "administrator" (moderator), "member", or "" (no role). */
  role?: Role;
  /** False for a guest. */
  signed_in?: boolean;
}
