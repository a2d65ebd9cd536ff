package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"visio/internal/store"
)

// SaveTranscript implements store.Transcripts.
func (s *DB) SaveTranscript(ctx context.Context, t store.Transcript, segs [][]byte) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var ended *time.Time
		if !t.EndedAt.IsZero() {
			e := ms(t.EndedAt)
			ended = &e
		}
		_, err := tx.Exec(ctx, `INSERT INTO transcripts (id, room_code, meta, started_at, ended_at, live, expires_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (id) DO UPDATE SET room_code = excluded.room_code, meta = excluded.meta, started_at = excluded.started_at,
				ended_at = excluded.ended_at, live = excluded.live, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
			t.ID, t.RoomCode, t.Meta, ms(t.StartedAt), ended, t.Live, ms(t.ExpiresAt), ms(t.UpdatedAt))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM transcript_segments WHERE transcript_id = $1 AND seq >= $2`, t.ID, len(segs)); err != nil {
			return err
		}
		var n, stored int
		err = tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq) + 1, 0), COUNT(*) FROM transcript_segments WHERE transcript_id = $1`, t.ID).Scan(&n, &stored)
		if err != nil {
			return err
		}
		if stored < n {
			n = 0 // a write was lost in between: write them all again
		}
		if n >= len(segs) {
			return nil
		}
		var b pgx.Batch
		for i := n; i < len(segs); i++ {
			b.Queue(`INSERT INTO transcript_segments (transcript_id, seq, room_code, data) VALUES ($1, $2, $3, $4)
				ON CONFLICT (transcript_id, seq) DO UPDATE SET data = excluded.data`, t.ID, i, t.RoomCode, segs[i])
		}
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return fmt.Errorf("save transcript %s: %w", t.ID, mapErr(err))
	}
	return nil
}

// AppendTranscriptSegments implements store.Transcripts.
func (s *DB) AppendTranscriptSegments(ctx context.Context, id string, at time.Time, segs ...[]byte) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		n, err := count(tx.Exec(ctx, `UPDATE transcripts SET updated_at = $2 WHERE id = $1`, id, ms(at)))
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		for _, sg := range segs {
			_, err := tx.Exec(ctx, `INSERT INTO transcript_segments (transcript_id, seq, room_code, data)
				SELECT t.id, COALESCE((SELECT MAX(seq) + 1 FROM transcript_segments WHERE transcript_id = t.id), 0), t.room_code, $2
				FROM transcripts t WHERE t.id = $1`, id, sg)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("append to transcript %s: %w", id, mapErr(err))
	}
	return nil
}

const transcriptColumns = `t.id, t.room_code, t.meta, t.started_at, t.ended_at, t.live, t.expires_at, t.updated_at,
	(SELECT COUNT(*) FROM transcript_segments g WHERE g.transcript_id = t.id)`

func scanTranscript(row pgx.Row) (store.Transcript, error) {
	var t store.Transcript
	var ended *time.Time
	if err := row.Scan(&t.ID, &t.RoomCode, &t.Meta, &t.StartedAt, &ended, &t.Live, &t.ExpiresAt, &t.UpdatedAt, &t.Segments); err != nil {
		return store.Transcript{}, err
	}
	if ended != nil {
		t.EndedAt = ended.UTC()
	}
	t.StartedAt, t.ExpiresAt, t.UpdatedAt = t.StartedAt.UTC(), t.ExpiresAt.UTC(), t.UpdatedAt.UTC()
	return t, nil
}

// Transcripts implements store.Transcripts.
func (s *DB) Transcripts(ctx context.Context) ([]store.Transcript, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+transcriptColumns+` FROM transcripts t ORDER BY t.started_at DESC, t.id`)
	if err != nil {
		return nil, fmt.Errorf("transcripts: %w", err)
	}
	defer rows.Close()
	out := []store.Transcript{}
	for rows.Next() {
		t, err := scanTranscript(rows)
		if err != nil {
			return nil, fmt.Errorf("transcripts: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("transcripts: %w", err)
	}
	return out, nil
}

// Transcript implements store.Transcripts.
func (s *DB) Transcript(ctx context.Context, id string) (store.Transcript, [][]byte, error) {
	t, err := scanTranscript(s.pool.QueryRow(ctx, `SELECT `+transcriptColumns+` FROM transcripts t WHERE t.id = $1`, id))
	if err != nil {
		return store.Transcript{}, nil, fmt.Errorf("transcript %s: %w", id, mapErr(err))
	}
	segs, err := s.TranscriptSegments(ctx, id)
	if err != nil {
		return store.Transcript{}, nil, err
	}
	return t, segs, nil
}

// DeleteExpiredTranscripts implements store.Transcripts.
func (s *DB) DeleteExpiredTranscripts(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM transcript_segments WHERE transcript_id IN
			(SELECT id FROM transcripts WHERE NOT live AND expires_at <= $1)`, ms(now))
		if err != nil {
			return err
		}
		n, err = count(tx.Exec(ctx, `DELETE FROM transcripts WHERE NOT live AND expires_at <= $1`, ms(now)))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired transcripts: %w", err)
	}
	return n, nil
}

// EndOrphanTranscripts implements store.Transcripts.
func (s *DB) EndOrphanTranscripts(ctx context.Context, before time.Time, retention time.Duration) (int, error) {
	n, err := count(s.pool.Exec(ctx, `UPDATE transcripts t SET live = false, ended_at = t.updated_at,
			expires_at = t.updated_at + $2 * interval '1 millisecond'
		WHERE t.live AND t.updated_at < $1
			AND NOT EXISTS (SELECT 1 FROM meeting_states m WHERE m.room_code = t.room_code)`, ms(before), retention.Milliseconds()))
	if err != nil {
		return 0, fmt.Errorf("end orphan transcripts: %w", err)
	}
	return n, nil
}

var _ store.Transcripts = (*DB)(nil)
