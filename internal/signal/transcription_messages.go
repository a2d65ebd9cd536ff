package signal

import "time"

// Error codes of live transcription.
const (
	// CodeTranscriptionUnavailable: no speech recognizer is configured on this server.
	CodeTranscriptionUnavailable = "transcription_unavailable"
)

// A participant who is not a moderator and asks to start or stop transcription gets
// CodeForbidden (accessmsg.go).

// TranscriptionControl starts or stops the room's transcription (client message
// "transcription").
type TranscriptionControl struct {
	// Action is "start" or "stop".
	Action string `json:"action"`
}

// Captions turns live captions on or off for the sending participant (client message
// "captions").
type Captions struct {
	Enabled bool `json:"enabled"`
}

// ParticipantRef names a participant.
type ParticipantRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// TranscriptionState tells everyone whether the room is being transcribed (server message
// "transcription_state", and the "transcription" field of welcome).
type TranscriptionState struct {
	Type string `json:"type,omitempty"`
	// Active is true while the participants' speech is transcribed.
	Active bool `json:"active"`
	// By is who started it (while active).
	By *ParticipantRef `json:"by,omitempty"`
	// StartedAt is when it started (while active).
	StartedAt *time.Time `json:"started_at,omitempty"`
	// Recognizer names the speech recognizer, e.g. "pocketsphinx:en-us" or "openai:whisper-1".
	Recognizer string `json:"recognizer,omitempty"`
	// Language is the language the recognizer is asked for.
	Language string `json:"language,omitempty"`
	// Available is false when the server has no recognizer: transcription cannot be started.
	Available bool `json:"available"`
	// Reason says why it is unavailable ("no_recognizer"), as a stable code.
	Reason string `json:"reason,omitempty"`
	// Notice is a stable code about the recognizer's limits: "local_english_only" for the
	// built-in recognizer (English only, modest accuracy).
	Notice string `json:"notice,omitempty"`
	// CanControl tells the receiver whether it may start and stop transcription.
	CanControl bool `json:"can_control"`
	// TranscriptID is the meeting's transcript, once transcription has been started.
	TranscriptID string `json:"transcript_id,omitempty"`
}

// Caption is one recognized segment, sent to participants who turned captions on.
type Caption struct {
	Type          string `json:"type"`
	ParticipantID string `json:"participant_id"`
	Name          string `json:"name"`
	// StartMS and EndMS are milliseconds on the meeting's clock.
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Text    string `json:"text"`
}
