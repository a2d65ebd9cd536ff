package postgres

import (
	"context"
	"fmt"
	"time"

	"visio/internal/store"
)

const recordingColumns = `id, room_code, status, audio_only, started_by, started_at, ended_at, duration_ms, size, object_key, content_type, transcript_id, error`

// endedAt stores a zero end time as NULL.
func endedAt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	v := ms(t)
	return &v
}

// CreateRecording implements store.Recordings.
func (s *DB) CreateRecording(ctx context.Context, r store.Recording) error {
	if !r.Status.Valid() {
		return fmt.Errorf("create recording: %w: status %q", store.ErrInvalid, r.Status)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO recordings (`+recordingColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		r.ID, r.RoomCode, string(r.Status), r.AudioOnly, r.StartedBy, ms(r.StartedAt), endedAt(r.EndedAt),
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
	n, err := count(s.pool.Exec(ctx, `UPDATE recordings SET status = $1, audio_only = $2, started_by = $3, ended_at = $4,
		duration_ms = $5, size = $6, object_key = $7, content_type = $8, transcript_id = $9, error = $10 WHERE id = $11`,
		string(r.Status), r.AudioOnly, r.StartedBy, endedAt(r.EndedAt), r.Duration.Milliseconds(), r.Size,
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
	r, err := scanRecording(s.pool.QueryRow(ctx, `SELECT `+recordingColumns+` FROM recordings WHERE id = $1`, id))
	if err != nil {
		return store.Recording{}, fmt.Errorf("recording %s: %w", id, mapErr(err))
	}
	return r, nil
}

// RoomRecordings implements store.Recordings.
func (s *DB) RoomRecordings(ctx context.Context, code string) ([]store.Recording, error) {
	return s.recordings(ctx, `SELECT `+recordingColumns+` FROM recordings WHERE room_code = $1 ORDER BY started_at DESC, id`, code)
}

// RecordingsStartedBefore implements store.Recordings.
func (s *DB) RecordingsStartedBefore(ctx context.Context, t time.Time, limit int) ([]store.Recording, error) {
	return s.recordings(ctx, `SELECT `+recordingColumns+` FROM recordings WHERE started_at < $1 ORDER BY started_at, id LIMIT $2`, ms(t), limit)
}

// DeleteRecording implements store.Recordings.
func (s *DB) DeleteRecording(ctx context.Context, id string) error {
	n, err := count(s.pool.Exec(ctx, `DELETE FROM recordings WHERE id = $1`, id))
	if err != nil {
		return fmt.Errorf("delete recording %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("delete recording %s: %w", id, store.ErrNotFound)
	}
	return nil
}

func (s *DB) recordings(ctx context.Context, q string, args ...any) ([]store.Recording, error) {
	rows, err := s.pool.Query(ctx, q, args...)
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

func scanRecording(row scanner) (store.Recording, error) {
	var r store.Recording
	var status string
	var started time.Time
	var ended *time.Time
	var dur int64
	err := row.Scan(&r.ID, &r.RoomCode, &status, &r.AudioOnly, &r.StartedBy, &started, &ended, &dur, &r.Size,
		&r.ObjectKey, &r.ContentType, &r.TranscriptID, &r.Error)
	r.Status = store.RecordingStatus(status)
	r.StartedAt, r.Duration = started.UTC(), time.Duration(dur)*time.Millisecond
	if ended != nil {
		r.EndedAt = ended.UTC()
	}
	return r, err
}
