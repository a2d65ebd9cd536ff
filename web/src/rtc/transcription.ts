// Protocol messages of live transcription and captions (docs/protocol.md, "Transcription").

/** The room's transcription state: `transcription_state`, and `welcome.transcription`. */
export interface TranscriptionState {
  active: boolean;
  by?: { id: string; name: string };
  started_at?: string;
  recognizer?: string;
  language?: string;
  /** False when the server has no speech recognizer. */
  available: boolean;
  /** Why it is unavailable: "no_recognizer". */
  reason?: string;
  /** "local_english_only" for the built-in recognizer. */
  notice?: string;
  /** Whether we may start and stop it (moderators). */
  can_control: boolean;
  transcript_id?: string;
}

/** One recognized segment, for participants who turned captions on. */
export interface CaptionMessage {
  type: 'caption';
  participant_id: string;
  name: string;
  start_ms: number;
  end_ms: number;
  text: string;
}

export type TranscriptionServerMessage = ({ type: 'transcription_state' } & TranscriptionState) | CaptionMessage;

export type TranscriptionClientMessage =
  | { type: 'transcription'; action: 'start' | 'stop' }
  | { type: 'captions'; enabled: boolean };

/** The welcome's transcription field. */
export interface TranscriptionWelcome {
  transcription?: TranscriptionState;
}
