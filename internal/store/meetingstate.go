package store

import (
	"context"
	"time"
)

// MeetingState is the part of a live meeting that must outlive the node holding it (lock,
// removals, lobby, transcription, recording), as the room package encodes it. The store keeps
// it as opaque bytes: its format and version are the room package's.
type MeetingState struct {
	// RoomCode is the meeting's room.
	RoomCode string
	// Data is the encoded state.
	Data []byte
	// UpdatedAt is when it was last written.
	UpdatedAt time.Time
}

// MeetingStates keeps the state of live meetings, so that another node taking a meeting over
// (its node was lost or drained) carries it on. Written on change, read on takeover.
type MeetingStates interface {
	// SaveMeetingState creates or replaces a meeting's state.
	SaveMeetingState(ctx context.Context, s MeetingState) error
	// LoadMeetingState returns a meeting's state, or ErrNotFound.
	LoadMeetingState(ctx context.Context, code string) (MeetingState, error)
	// DeleteMeetingState forgets a meeting's state (it ended) and the transcript segments
	// kept for transcriptIDs; no error if there was none.
	DeleteMeetingState(ctx context.Context, code string, transcriptIDs ...string) error
	// DeleteMeetingStatesBefore forgets the states last written before t (their meetings
	// ended with their node and nobody came back), with their rooms' kept transcript
	// segments, and returns how many states it deleted.
	DeleteMeetingStatesBefore(ctx context.Context, t time.Time) (int, error)
	// AppendTranscriptSegment keeps segment number seq of the running transcript of meeting
	// code, encoded, so that a node taking the meeting over continues the same transcript.
	// Saving the same seq again replaces it.
	AppendTranscriptSegment(ctx context.Context, code, transcriptID string, seq int, data []byte) error
	// TranscriptSegments returns a transcript's kept segments, by seq.
	TranscriptSegments(ctx context.Context, transcriptID string) ([][]byte, error)
}
