package store

import (
	"context"
	"time"
)

// Transcript is a meeting transcript's description as the store keeps it. Its segments are
// the rows the failover keeps while the meeting runs (MeetingStates.AppendTranscriptSegment),
// kept on with it until it expires.
type Transcript struct {
	ID       string
	RoomCode string
	// Meta is the description as the archive package encodes it; the store keeps it as
	// opaque bytes. The columns below override what it says.
	Meta      []byte
	StartedAt time.Time
	// EndedAt is zero while Live.
	EndedAt   time.Time
	Live      bool
	ExpiresAt time.Time
	// UpdatedAt is when the transcript was last written.
	UpdatedAt time.Time
	// Segments is how many segments it holds (read only).
	Segments int
}

// Transcripts keeps meeting transcripts in the database, so that every node of a cluster
// serves the same complete transcripts and a lost node loses none. Only the PostgreSQL store
// implements it; on SQLite (one node) transcripts are files (archive.Store).
type Transcripts interface {
	// SaveTranscript creates or replaces a transcript's description, and makes its stored
	// segments segs: those stored already (a prefix of segs: segments are only ever
	// appended) are not written again, unless one is missing among them.
	SaveTranscript(ctx context.Context, t Transcript, segs [][]byte) error
	// AppendTranscriptSegments adds segments after the stored ones, and sets UpdatedAt to
	// at. ErrNotFound if the transcript was never saved.
	AppendTranscriptSegments(ctx context.Context, id string, at time.Time, segs ...[]byte) error
	// Transcripts lists every transcript (Meta without segments), newest first.
	Transcripts(ctx context.Context) ([]Transcript, error)
	// Transcript returns a transcript and its segments in order, or ErrNotFound.
	Transcript(ctx context.Context, id string) (Transcript, [][]byte, error)
	// DeleteExpiredTranscripts deletes the transcripts that are not live and expired at or
	// before now, with their segments, and returns how many.
	DeleteExpiredTranscripts(ctx context.Context, now time.Time) (int, error)
	// EndOrphanTranscripts ends the live transcripts not written since before whose meeting
	// has no state any more (it ended with its node and nobody came back): they are marked
	// ended when last written, and expire retention later. It returns how many it ended.
	EndOrphanTranscripts(ctx context.Context, before time.Time, retention time.Duration) (int, error)
}
