package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"visio/internal/store"
)

const recordingColumns = `id, room_code, status, audio_only, started_by, started_at, ended_at, duration_ms, size, object_key, content_type, transcript_id, error`

// endedMS stores a zero end time as 0.
func endedMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return unixMS(t)
}

// CreateRecording implements store.Recordings.
func (s *DB) CreateRecording(ctx context.Context, r store.Recording) error {
	if !r.Status.Valid() {
		return fmt.Errorf("create recording: %w: status %q", store.ErrInvalid, r.Status)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO recordings (`+recordingColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.RoomCode, string(r.Status), r.AudioOnly, r.StartedBy, unixMS(r.StartedAt), endedMS(r.EndedAt),
		r.Duration.Milliseconds(), r.Size, r.ObjectKey, r.ContentType, r.TranscriptID, r.Error)
	if err != nil {
		return fmt.Errorf("create recording %s: %w", r.ID, mapErr(err))
	}
	return nil
}

// UpdateRecording implements store.Recordings.
func (s *DB) UpdateRecording(ctx context.Context, r store.Recording) error {
	if !r.Status.Valid() {
		return fmt.Errorf("update recording: %w: status %q", store.ErrInvalid, r.Status)
	}
	n, err := count(s.db.ExecContext(ctx, `UPDATE recordings SET status = ?, audio_only = ?, started_by = ?, ended_at = ?,
		duration_ms = ?, size = ?, object_key = ?, content_type = ?, transcript_id = ?, error = ? WHERE id = ?`,
		string(r.Status), r.AudioOnly, r.StartedBy, endedMS(r.EndedAt), r.Duration.Milliseconds(), r.Size,
		r.ObjectKey, r.ContentType, r.TranscriptID, r.Error, r.ID))
	if err != nil {
		return fmt.Errorf("update recording %s: %w", r.ID, mapErr(err))
	}
	if n == 0 {
		return fmt.Errorf("update recording %s: %w", r.ID, store.ErrNotFound)
	}
	return nil
}

// Recording implements store.Recordings.
func (s *DB) Recording(ctx context.Context, id string) (store.Recording, error) {
	r, err := scanRecording(s.db.QueryRowContext(ctx, `SELECT `+recordingColumns+` FROM recordings WHERE id = ?`, id))
	if err != nil {
		return store.Recording{}, fmt.Errorf("recording %s: %w", id, mapErr(err))
	}
	return r, nil
}

// RoomRecordings implements store.Recordings.
func (s *DB) RoomRecordings(ctx context.Context, code string) ([]store.Recording, error) {
	return s.recordings(ctx, `SELECT `+recordingColumns+` FROM recordings WHERE room_code = ? ORDER BY started_at DESC, id`, code)
}

// RecordingsStartedBefore implements store.Recordings.
func (s *DB) RecordingsStartedBefore(ctx context.Context, t time.Time, limit int) ([]store.Recording, error) {
	return s.recordings(ctx, `SELECT `+recordingColumns+` FROM recordings WHERE started_at < ? ORDER BY started_at, id LIMIT ?`, unixMS(t), limit)
}

// DeleteRecording implements store.Recordings.
func (s *DB) DeleteRecording(ctx context.Context, id string) error {
	n, err := count(s.db.ExecContext(ctx, `DELETE FROM recordings WHERE id = ?`, id))
	if err != nil {
		return fmt.Errorf("delete recording %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("delete recording %s: %w", id, store.ErrNotFound)
	}
	return nil
}

func (s *DB) recordings(ctx context.Context, q string, args ...any) ([]store.Recording, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list recordings: %w", err)
	}
	defer rows.Close()
	out := []store.Recording{}
	for rows.Next() {
		r, err := scanRecording(rows)
		if err != nil {
			return nil, fmt.Errorf("list recordings: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

type rowScanner interface{ Scan(dest ...any) error }

var _ rowScanner = (*sql.Row)(nil)

func scanRecording(row rowScanner) (store.Recording, error) {
	var r store.Recording
	var status string
	var started, ended, dur int64
	err := row.Scan(&r.ID, &r.RoomCode, &status, &r.AudioOnly, &r.StartedBy, &started, &ended, &dur, &r.Size,
		&r.ObjectKey, &r.ContentType, &r.TranscriptID, &r.Error)
	r.Status = store.RecordingStatus(status)
	r.StartedAt, r.Duration = fromMS(started), time.Duration(dur)*time.Millisecond
	if ended != 0 {
		r.EndedAt = fromMS(ended)
	}
	return r, err
}
