package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"visio/internal/store"
)

// dbTimeout bounds one call to the database.
const dbTimeout = 10 * time.Second

// orphanAfter is how long a live transcript must have gone unwritten, its meeting's state
// gone, before the sweeper ends it: longer than the last utterances take to be recognized
// once a meeting ends (its state is deleted first).
const orphanAfter = 10 * time.Minute

// DB keeps transcripts in the shared database (PostgreSQL): every node of a cluster lists and
// serves the same complete transcripts, and a lost node loses none. Its segments are the rows
// a running meeting keeps for its failover (store.MeetingStates), so a segment is written
// once. It is safe for concurrent use.
type DB struct {
	db store.Transcripts
	p  Params
}

// OpenDB returns the transcript store on db. p.Dir is not used.
func OpenDB(db store.Transcripts, p Params) (*DB, error) {
	p, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	return &DB{db: db, p: p}, nil
}

// Save writes rec's description and the segments not stored yet. The expiry is set from the
// retention, as Store.Save does.
func (d *DB) Save(rec *Record) error {
	if !validID(rec.ID) {
		return fmt.Errorf("archive: bad transcript id %q", rec.ID)
	}
	now := d.p.Now()
	end := rec.EndedAt
	if end.IsZero() || rec.Live {
		end = now
	}
	rec.ExpiresAt = end.Add(d.p.Retention).UTC().Truncate(time.Second)
	rec.Meta.Segments = len(rec.Segments)
	if rec.Speakers == nil {
		rec.Speakers = []Speaker{}
	}
	meta, err := json.Marshal(rec.Meta)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	segs := make([][]byte, len(rec.Segments))
	for i, sg := range rec.Segments {
		if segs[i], err = json.Marshal(sg); err != nil {
			return fmt.Errorf("archive: %w", err)
		}
	}
	t := store.Transcript{ID: rec.ID, RoomCode: rec.Room, Meta: meta, StartedAt: rec.StartedAt, Live: rec.Live,
		ExpiresAt: rec.ExpiresAt, UpdatedAt: now}
	if !rec.Live {
		t.EndedAt = rec.EndedAt
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	if err := d.db.SaveTranscript(ctx, t, segs); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return nil
}

// Append adds segments after the stored ones of transcript id, which must have been saved:
// one small write per call.
func (d *DB) Append(id string, segs ...Segment) error {
	if len(segs) == 0 {
		return nil
	}
	rows := make([][]byte, len(segs))
	for i, sg := range segs {
		b, err := json.Marshal(sg)
		if err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		rows[i] = b
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	err := d.db.AppendTranscriptSegments(ctx, id, d.p.Now(), rows...)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return nil
}

// List returns every transcript's metadata, the newest first. A database error is logged and
// lists none.
func (d *DB) List() []Meta {
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	rows, err := d.db.Transcripts(ctx)
	if err != nil {
		d.p.Logger.Error("listing transcripts", "err", err)
		return []Meta{}
	}
	out := make([]Meta, 0, len(rows))
	for _, t := range rows {
		m, err := decodeMeta(t)
		if err != nil {
			d.p.Logger.Warn("a transcript's description is unreadable", "transcript", t.ID, "err", err)
			continue
		}
		out = append(out, m)
	}
	return out
}

// Get reads a transcript with every segment stored so far.
func (d *DB) Get(id string) (*Record, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	t, rows, err := d.db.Transcript(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	m, err := decodeMeta(t)
	if err != nil {
		return nil, fmt.Errorf("archive: transcript %s is damaged: %w", id, err)
	}
	rec := &Record{Meta: m, Segments: make([]Segment, 0, len(rows))}
	for _, b := range rows {
		var sg Segment
		if err := json.Unmarshal(b, &sg); err != nil {
			d.p.Logger.Warn("a transcript segment is unreadable", "transcript", id, "err", err)
			continue
		}
		rec.Segments = append(rec.Segments, sg)
		rec.addSpeaker(sg)
	}
	rec.Meta.Segments = len(rec.Segments)
	return rec, nil
}

// decodeMeta is t's description, with what the columns say.
func decodeMeta(t store.Transcript) (Meta, error) {
	var m Meta
	if err := json.Unmarshal(t.Meta, &m); err != nil {
		return Meta{}, err
	}
	m.ID, m.Room, m.Live, m.EndedAt, m.ExpiresAt, m.Segments = t.ID, t.RoomCode, t.Live, t.EndedAt, t.ExpiresAt, t.Segments
	if m.Speakers == nil {
		m.Speakers = []Speaker{}
	}
	return m, nil
}

// Sweep ends the transcripts left live by a node that was lost with its meeting, then deletes
// every transcript whose retention period is over, and returns how many it deleted.
func (d *DB) Sweep() (int, error) {
	now := d.p.Now()
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	ended, err := d.db.EndOrphanTranscripts(ctx, now.Add(-orphanAfter), d.p.Retention)
	if err != nil {
		return 0, fmt.Errorf("archive: %w", err)
	}
	if ended > 0 {
		d.p.Logger.Warn("transcripts ended: their meeting ended with its node while they were live", "count", ended)
	}
	n, err := d.db.DeleteExpiredTranscripts(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("archive: %w", err)
	}
	if n > 0 {
		d.p.Logger.Info("transcripts deleted: retention period over", "count", n)
	}
	return n, nil
}

// Run sweeps at start and then regularly (a tenth of the retention, between 1 s and 1 h) until
// ctx ends.
func (d *DB) Run(ctx context.Context) error { return run(ctx, d.p.Retention, d.p.Logger, d.Sweep) }
