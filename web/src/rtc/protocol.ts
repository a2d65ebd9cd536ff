// Types of the signalling protocol, version 1 (docs/protocol.md).

import type { AccessClientMessage, AccessServerMessage, AccessWelcome, ParticipantRole } from './access';
import type { HandsClientMessage, HandsServerMessage, HandsWelcome } from './hands';
import type { BreakoutClientMessage, BreakoutServerMessage } from './breakout';
import type { ChatClientMessage, ChatServerMessage, ChatWelcome } from './chat';
import type { RecordingClientMessage, RecordingServerMessage, RecordingWelcome } from './recording';
import type { TranscriptionClientMessage, TranscriptionServerMessage, TranscriptionWelcome } from './transcription';

export type Source = 'microphone' | 'camera' | 'screen' | 'screen_audio';
export type Target = 'publisher' | 'subscriber';

export interface TrackInfo {
  id: string;
  source: Source;
  kind: 'audio' | 'video';
  muted: boolean;
}

export interface Participant extends ParticipantRole {
  id: string;
  name: string;
  state: 'active' | 'away';
  joined_at?: string;
  tracks: TrackInfo[];
}

/** One entry of a `speakers` message: who is speaking now, loudest first. */
export interface Speaker {
  participant_id: string;
  /** 0 (silence) to 1 (loudest). */
  level: number;
}

/** A track declared in a publisher `offer`. layers lists simulcast RIDs (informative). */
export interface OfferTrack {
  cid: string;
  source: Source;
  layers?: string[];
}

/** How the client shows one remote video track (`subscribe`). width/height in device pixels. */
export interface Subscription {
  track_id: string;
  visible: boolean;
  width: number;
  height: number;
}

export type ServerMessage =
  | ({
      type: 'welcome';
      participant: Participant;
      participants: Participant[];
      resume_token: string;
      ice_servers?: RTCIceServer[];
      resumed?: boolean;
    } & AccessWelcome &
      TranscriptionWelcome &
      RecordingWelcome &
      HandsWelcome &
      ChatWelcome)
  | HandsServerMessage
  | BreakoutServerMessage
  | ChatServerMessage
  | AccessServerMessage
  | TranscriptionServerMessage
  | RecordingServerMessage
  | { type: 'participant_joined'; participant: Participant }
  | { type: 'participant_updated'; participant: Participant }
  | { type: 'participant_left'; participant_id: string; reason?: string }
  | { type: 'answer'; sdp: string }
  | { type: 'offer'; sdp: string }
  | { type: 'candidate'; target: Target; candidate: RTCIceCandidateInit }
  | { type: 'pong'; id?: string }
  | { type: 'error'; code: string; message?: string; fatal?: boolean }
  | { type: 'layers'; track_id: string; active: string[] }
  | { type: 'speakers'; speakers: Speaker[] }
  | { type: 'bye'; reason: string; message?: string };

export type ClientMessage =
  | { type: 'join'; name?: string; token?: string; resume_token?: string }
  | AccessClientMessage
  | TranscriptionClientMessage
  | RecordingClientMessage
  | HandsClientMessage
  | BreakoutClientMessage
  | ChatClientMessage
  | { type: 'offer'; sdp: string; tracks: OfferTrack[] }
  | { type: 'answer'; sdp: string }
  | { type: 'candidate'; target: Target; candidate: RTCIceCandidateInit }
  | { type: 'subscribe'; tracks: Subscription[] }
  | { type: 'mute'; source: Source; muted: boolean }
  | { type: 'leave' }
  | { type: 'ping'; id?: string };

/** The sub-protocol offered on the WebSocket. */
export const subprotocol = 'visio.v1';

/** The WebSocket URL of a room, same origin. */
export function socketUrl(code: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/v1/rooms/${encodeURIComponent(code)}/ws`;
}
