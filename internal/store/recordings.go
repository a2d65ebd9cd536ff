package store

import (
	"context"
	"time"
)

// RecordingStatus says where a recording is in its life.
type RecordingStatus string

// Recording states.
const (
	// RecordingActive is being recorded now (or was, when its node stopped: it is composed
	// when the node starts again).
	RecordingActive RecordingStatus = "recording"
	// RecordingComposing is being composed into one file.
	RecordingComposing RecordingStatus = "composing"
	// RecordingReady has its composed file.
	RecordingReady RecordingStatus = "ready"
	// RecordingTracksOnly could not be composed (no ffmpeg on the server): only its per-track
	// files exist.
	RecordingTracksOnly RecordingStatus = "tracks_only"
	// RecordingFailed could not be kept; Error says why.
	RecordingFailed RecordingStatus = "failed"
)

// Valid reports whether s is a known status.
func (s RecordingStatus) Valid() bool {
	switch s {
	case RecordingActive, RecordingComposing, RecordingReady, RecordingTracksOnly, RecordingFailed:
		return true
	}
	return false
}

// Recording is a recorded meeting.
type Recording struct {
	// ID is "RE_...".
	ID string
	// RoomCode is the meeting's room; its owners and administrators may see the recording.
	RoomCode string
	Status   RecordingStatus
	// AudioOnly recordings have no video.
	AudioOnly bool
	// StartedBy is the name of the moderator who started it.
	StartedBy string
	StartedAt time.Time
	// EndedAt is zero while it runs.
	EndedAt time.Time
	// Duration of the composed file.
	Duration time.Duration
	// Size of the composed file in bytes.
	Size int64
	// ObjectKey names the composed file in the recordings storage; empty until composed.
	ObjectKey string
	// ContentType of the composed file ("video/webm", "audio/ogg").
	ContentType string
	// TranscriptID is the meeting's transcript, if transcription ran while recording.
	TranscriptID string
	// Error is a message safe to show, when Status is failed or tracks_only.
	Error string
}

// Recordings keeps the records of recorded meetings; the files themselves are in the
// recordings storage.
type Recordings interface {
	// CreateRecording stores a new recording. ErrExists if the id is taken, ErrInvalid for an
	// unknown status.
	CreateRecording(ctx context.Context, r Recording) error
	// UpdateRecording replaces everything but the id, room and start of a recording.
	// ErrNotFound if there is none.
	UpdateRecording(ctx context.Context, r Recording) error
	// Recording returns the recording with this id, or ErrNotFound.
	Recording(ctx context.Context, id string) (Recording, error)
	// RoomRecordings returns a room's recordings, the most recent first.
	RoomRecordings(ctx context.Context, code string) ([]Recording, error)
	// RecordingsStartedBefore returns the recordings started before t, oldest first, at most
	// limit of them: the retention sweeper deletes their files, then the records.
	RecordingsStartedBefore(ctx context.Context, t time.Time, limit int) ([]Recording, error)
	// DeleteRecording forgets a recording. ErrNotFound if there is none.
	DeleteRecording(ctx context.Context, id string) error
}
