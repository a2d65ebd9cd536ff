// Protocol messages of meeting recording (docs/protocol.md, "Recording").

/** The room's recording state: `recording_state`, and `welcome.recording`. */
export interface RecordingState {
  /** "off", "starting" (everyone is told; recording begins at starts_at) or "active". */
  state: 'off' | 'starting' | 'active';
  audio_only?: boolean;
  by?: { id: string; name: string };
  starts_at?: string;
  started_at?: string;
  /** False when recording is turned off on this server. */
  available: boolean;
  /** Whether we may start and stop it (moderators). */
  can_control: boolean;
  /** Why it stopped without a moderator: "limit" or "failed". */
  stopped?: string;
  recording_id?: string;
}

export type RecordingServerMessage = { type: 'recording_state' } & RecordingState;

export type RecordingClientMessage = { type: 'recording'; action: 'start' | 'stop'; audio_only?: boolean };

/** The welcome's recording field. */
export interface RecordingWelcome {
  recording?: RecordingState;
}
