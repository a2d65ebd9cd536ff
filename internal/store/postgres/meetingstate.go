package postgres

import (
	"context"
	"fmt"
	"time"

	"visio/internal/store"
)

// SaveMeetingState implements store.MeetingStates.
func (s *DB) SaveMeetingState(ctx context.Context, m store.MeetingState) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO meeting_states (room_code, data, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (room_code) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
		m.RoomCode, m.Data, ms(m.UpdatedAt))
	if err != nil {
		return fmt.Errorf("save meeting state %s: %w", m.RoomCode, mapErr(err))
	}
	return nil
}

// LoadMeetingState implements store.MeetingStates.
func (s *DB) LoadMeetingState(ctx context.Context, code string) (store.MeetingState, error) {
	m := store.MeetingState{RoomCode: code}
	err := s.pool.QueryRow(ctx, `SELECT data, updated_at FROM meeting_states WHERE room_code = $1`, code).Scan(&m.Data, &m.UpdatedAt)
	if err != nil {
		return store.MeetingState{}, fmt.Errorf("meeting state %s: %w", code, mapErr(err))
	}
	m.UpdatedAt = m.UpdatedAt.UTC()
	return m, nil
}

// DeleteMeetingState implements store.MeetingStates. The segments of a transcript kept in the
// transcripts table are its own: they stay.
func (s *DB) DeleteMeetingState(ctx context.Context, code string, transcriptIDs ...string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM meeting_states WHERE room_code = $1`, code); err != nil {
		return fmt.Errorf("delete meeting state %s: %w", code, err)
	}
	for _, id := range transcriptIDs {
		if _, err := s.pool.Exec(ctx, `DELETE FROM transcript_segments WHERE transcript_id = $1
			AND NOT EXISTS (SELECT 1 FROM transcripts WHERE id = $1)`, id); err != nil {
			return fmt.Errorf("delete transcript segments %s: %w", id, err)
		}
	}
	return nil
}

// DeleteMeetingStatesBefore implements store.MeetingStates.
func (s *DB) DeleteMeetingStatesBefore(ctx context.Context, t time.Time) (int, error) {
	_, err := s.pool.Exec(ctx, `DELETE FROM transcript_segments g WHERE g.room_code IN
		(SELECT room_code FROM meeting_states WHERE updated_at < $1)
		AND NOT EXISTS (SELECT 1 FROM transcripts t WHERE t.id = g.transcript_id)`, ms(t))
	if err != nil {
		return 0, fmt.Errorf("delete old transcript segments: %w", err)
	}
	n, err := count(s.pool.Exec(ctx, `DELETE FROM meeting_states WHERE updated_at < $1`, ms(t)))
	if err != nil {
		return 0, fmt.Errorf("delete old meeting states: %w", err)
	}
	return n, nil
}

// AppendTranscriptSegment implements store.MeetingStates.
func (s *DB) AppendTranscriptSegment(ctx context.Context, code, transcriptID string, seq int, data []byte) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO transcript_segments (transcript_id, seq, room_code, data) VALUES ($1, $2, $3, $4)
		ON CONFLICT (transcript_id, seq) DO UPDATE SET data = excluded.data`, transcriptID, seq, code, data)
	if err != nil {
		return fmt.Errorf("keep transcript segment %s/%d: %w", transcriptID, seq, mapErr(err))
	}
	return nil
}

// TranscriptSegments implements store.MeetingStates.
func (s *DB) TranscriptSegments(ctx context.Context, transcriptID string) ([][]byte, error) {
	rows, err := s.pool.Query(ctx, `SELECT data FROM transcript_segments WHERE transcript_id = $1 ORDER BY seq`, transcriptID)
	if err != nil {
		return nil, fmt.Errorf("transcript segments %s: %w", transcriptID, err)
	}
	defer rows.Close()
	out := [][]byte{}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("transcript segments %s: %w", transcriptID, err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
