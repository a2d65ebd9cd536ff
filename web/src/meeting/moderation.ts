// Lobby and moderation state of a meeting: the room, our permissions, who waits in the lobby,
// what moderators did; and the commands moderators send (docs/protocol.md, "Moderation").

import { t } from '../i18n';
import type { LobbyRequest, ModerationAction, Permission, RoomState } from '../rtc/access';
import type { Participant, ServerMessage } from '../rtc/protocol';
import type { Session } from '../rtc/session';

/** How a meeting ended for us, when it was not a plain "leave". */
export type Outcome =
  | { kind: 'denied'; reason: string; message: string }
  | { kind: 'locked' }
  | { kind: 'removed'; by: string }
  | { kind: 'ended'; by: string }
  | { kind: 'cancelled' }
  | { kind: 'failed'; reason: string };

export interface ModerationEvents {
  /** Something changed: repaint. */
  change(): void;
  /** A short visible notice, also announced to screen readers. */
  notify(text: string): void;
  /** Announced to screen readers only. */
  announce(text: string): void;
}

/** Moderators are the owner and administrators. */
export function isModerator(p: { role?: string } | null | undefined): boolean {
  return p?.role === 'owner' || p?.role === 'administrator';
}

export class ModerationState {
  room: RoomState | null = null;
  permissions = new Set<Permission>();
  /** Our own participant as the server last described it. */
  self: Participant | null = null;
  /** Waiting requests, oldest first (moderators only). */
  readonly lobby = new Map<string, LobbyRequest>();
  /** Names of settled requests, for updates that follow the first (an admission that failed). */
  private readonly settled = new Map<string, string>();
  /** While we wait in the lobby: since when, and whether a moderator is there to admit us. */
  waitingSince = 0;
  moderatorsPresent = true;
  /** Who removed us, or ended the meeting (actor names), once it happened. */
  removedBy: string | null = null;
  endedBy: string | null = null;

  constructor(
    private readonly session: Session,
    private readonly events: ModerationEvents,
  ) {}

  get canModerate(): boolean {
    return this.permissions.has('moderate');
  }

  /** Looks at every server message; the session handles the rest. */
  handle(msg: ServerMessage): void {
    switch (msg.type) {
      case 'welcome':
        this.self = msg.participant;
        if (msg.room) this.room = msg.room;
        if (msg.permissions) this.permissions = new Set(msg.permissions);
        else if (isModerator(msg.participant)) this.permissions.add('moderate');
        this.lobby.clear();
        for (const r of msg.lobby ?? []) this.lobby.set(r.request_id, r);
        this.waitingSince = 0;
        break;
      case 'lobby':
        if (!this.waitingSince) this.waitingSince = Date.now();
        this.moderatorsPresent = msg.moderators_present !== false;
        break;
      case 'lobby_request': {
        const isNew = !this.lobby.has(msg.request_id);
        this.lobby.set(msg.request_id, { request_id: msg.request_id, name: msg.name, signed_in: msg.signed_in, requested_at: msg.requested_at });
        if (isNew) this.events.announce(t('lobbyRequest', { name: msg.name }) + ` (${t(msg.signed_in ? 'lobbySignedIn' : 'lobbyGuest')})`);
        break;
      }
      case 'lobby_update': {
        const req = this.lobby.get(msg.request_id);
        this.lobby.delete(msg.request_id);
        if (req) this.settled.set(msg.request_id, req.name);
        const name = req?.name ?? this.settled.get(msg.request_id);
        if (name && (msg.state === 'admitted' || msg.state === 'denied')) this.events.announce(t(msg.state, { name }));
        // An admission that could not go through after all (the meeting is full, for example).
        if (name && msg.state === 'failed') this.events.announce(t('admitFailed', { name }));
        break;
      }
      case 'room_updated':
        this.room = msg.room;
        break;
      case 'participant_updated':
        if (this.self && msg.participant.id === this.self.id) this.self = { ...this.self, ...msg.participant };
        break;
      case 'moderation':
        this.onModeration(msg);
        break;
      default:
        return;
    }
    this.events.change();
  }

  private onModeration(msg: Extract<ServerMessage, { type: 'moderation' }>): void {
    const name = msg.actor_name || t('aModerator');
    const target = msg.target_name || t('someone');
    const toMe = !!this.self && msg.target_id === this.self.id;
    const byMe = !!this.self && msg.actor_id === this.self.id;
    switch (msg.action) {
      case 'mute':
        if (toMe) {
          void this.session.setMic(false);
          this.events.notify(t('youMutedMic', { name }));
        } else this.events.notify(t('modMutedMic', { name, target }));
        break;
      case 'mute_all':
        if (!this.canModerate && this.session.micOn) void this.session.setMic(false);
        this.events.notify(t('modMutedAll', { name }));
        break;
      case 'camera_off':
        if (toMe) {
          void this.session.setCamera(false).catch(() => undefined);
          this.events.notify(t('youMutedCamera', { name }));
        } else this.events.notify(t('modMutedCamera', { name, target }));
        break;
      case 'stop_screen':
        if (toMe) {
          void this.session.stopScreen();
          this.events.notify(t('youStoppedShare', { name }));
        } else this.events.notify(t('modStoppedShare', { name, target }));
        break;
      case 'promote':
        if (toMe) {
          this.permissions.add('moderate');
          if (this.self) this.self = { ...this.self, role: 'administrator' };
          this.events.notify(t('youPromoted', { name }));
        } else this.events.notify(t('modPromoted', { name, target }));
        break;
      case 'remove':
        if (toMe) this.removedBy = name;
        else this.events.notify(t('modRemoved', { name, target }));
        break;
      case 'lock':
      case 'unlock':
        if (this.room) this.room = { ...this.room, locked: msg.action === 'lock' };
        this.events.notify(t(msg.action === 'lock' ? 'modLocked' : 'modUnlocked', { name }));
        break;
      case 'end':
        this.endedBy = name;
        break;
    }
    if (byMe) this.events.change();
  }

  /** How the session ended, when it did for a reason this module explains. */
  outcome(): Outcome | null {
    const s = this.session.state;
    if (s.kind === 'denied') {
      if (s.reason === 'removed') return { kind: 'removed', by: this.removedBy ?? '' };
      if (s.reason === 'ended') return { kind: 'ended', by: this.endedBy ?? '' };
      return { kind: 'denied', reason: s.reason, message: '' };
    }
    if (s.kind === 'ended' && s.reason === 'removed') return { kind: 'removed', by: this.removedBy ?? '' };
    if (s.kind === 'ended' && s.reason === 'ended') return { kind: 'ended', by: this.endedBy ?? '' };
    if (s.kind === 'failed' && s.reason === 'removed') return { kind: 'removed', by: '' };
    if (s.kind === 'failed' && s.reason === 'room_locked') return { kind: 'locked' };
    if (s.kind === 'failed' && s.reason.startsWith('token_')) return { kind: 'failed', reason: s.reason };
    return null;
  }

  admit(ids: string[] | 'all'): void {
    this.session.send(ids === 'all' ? { type: 'admit', all: true } : { type: 'admit', request_ids: ids });
  }

  deny(ids: string[] | 'all'): void {
    this.session.send(ids === 'all' ? { type: 'deny', all: true } : { type: 'deny', request_ids: ids });
  }

  moderate(action: ModerationAction, participantId?: string): void {
    this.session.send(participantId ? { type: 'moderate', action, participant_id: participantId } : { type: 'moderate', action });
  }
}
