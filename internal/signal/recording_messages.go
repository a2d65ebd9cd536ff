package signal

import "time"

// Error codes of recording.
const (
	// CodeRecordingUnavailable: recording is turned off on this server.
	CodeRecordingUnavailable = "recording_unavailable"
	// CodeRecordingFailed: the recording could not start (for example, the disk is nearly
	// full); the message says why.
	CodeRecordingFailed = "recording_failed"
	// CodeStateLost: the meeting moved to this server and its saved settings (lock, lobby,
	// removals, transcription) could not be read; they start afresh.
	CodeStateLost = "state_lost"
)

// Recording states.
const (
	RecordingOff      = "off"
	RecordingStarting = "starting" // everyone has been told; recording begins at starts_at
	RecordingActive   = "active"
)

// RecordingControl starts or stops the room's recording (client message "recording"). Only
// moderators may; others get CodeForbidden.
type RecordingControl struct {
	// Action is "start" or "stop".
	Action string `json:"action"`
	// AudioOnly records the audio only (a podcast of the meeting), with "start".
	AudioOnly bool `json:"audio_only,omitempty"`
}

// RecordingState tells everyone, and those waiting in the lobby, whether the meeting is being
// recorded (server message "recording_state", and the "recording" field of welcome). A
// participant gets it in the welcome, before any media is sent.
type RecordingState struct {
	Type string `json:"type,omitempty"`
	// State is "off", "starting" (everyone is told; recording begins at StartsAt) or "active".
	State string `json:"state"`
	// AudioOnly is true when only the audio is recorded.
	AudioOnly bool `json:"audio_only,omitempty"`
	// By is the moderator who started it (starting or active).
	By *ParticipantRef `json:"by,omitempty"`
	// StartsAt is when recording begins (starting); StartedAt when it began (active).
	StartsAt  *time.Time `json:"starts_at,omitempty"`
	StartedAt *time.Time `json:"started_at,omitempty"`
	// Available is false when recording is turned off on this server.
	Available bool `json:"available"`
	// CanControl tells the receiver whether it may start and stop recording.
	CanControl bool `json:"can_control"`
	// Stopped says why a recording stopped without a moderator: "limit" (the maximum duration
	// or size, or the disk space, was reached), "failed".
	Stopped string `json:"stopped,omitempty"`
	// RecordingID is the recording (active, or just stopped), for moderators.
	RecordingID string `json:"recording_id,omitempty"`
}
