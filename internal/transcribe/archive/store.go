package archive

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"visio/internal/ids"
)

// ErrNotFound is returned for a transcript that does not exist (or was deleted).
var ErrNotFound = errors.New("archive: transcript not found")

const (
	indexFile  = "index.json"
	recordFile = "transcript.json"
)

// Params configures a Store.
type Params struct {
	// Dir holds the transcripts; it is created if missing (mode 0700: transcripts are personal
	// data).
	Dir string
	// Retention is how long a transcript is kept after its meeting ends.
	Retention time.Duration
	// Logger receives what the sweeper deletes (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Store keeps transcripts in a directory. It is safe for concurrent use.
type Store struct {
	p Params

	mu    sync.Mutex // guards the following field and the files
	index map[string]Meta
}

// withDefaults checks p and fills in its optional fields.
func (p Params) withDefaults() (Params, error) {
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Retention <= 0 {
		return p, fmt.Errorf("archive: retention must be positive")
	}
	return p, nil
}

// Open opens (or creates) the store in p.Dir. Transcripts the previous run left live (it was
// killed) are recovered, with their journal, and marked ended.
func Open(p Params) (*Store, error) {
	p, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("archive: create %s: %w", p.Dir, err)
	}
	s := &Store{p: p, index: map[string]Meta{}}
	data, err := os.ReadFile(filepath.Join(p.Dir, indexFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("archive: %w", err)
	default:
		var list []Meta
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, fmt.Errorf("archive: %s is damaged: %w", filepath.Join(p.Dir, indexFile), err)
		}
		for _, m := range list {
			s.index[m.ID] = m
		}
	}
	s.mu.Lock()
	err = s.recoverLocked()
	s.mu.Unlock()
	if err != nil {
		p.Logger.Error("transcripts left live by the previous run could not all be recovered", "err", err)
	}
	return s, nil
}

// NewID returns a fresh transcript ID.
func NewID() string { return ids.New("TS_") }

// Save writes rec (creating or replacing it) and updates the index. The expiry is set from the
// retention: the transcript is kept Retention after its end (or after now while it is live).
// rec must hold every segment: the journal of Append is emptied.
func (s *Store) Save(rec *Record) error {
	if !validID(rec.ID) {
		return fmt.Errorf("archive: bad transcript id %q", rec.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked(rec)
}

// saveLocked is Save. s.mu must be held.
func (s *Store) saveLocked(rec *Record) error {
	end := rec.EndedAt
	if end.IsZero() || rec.Live {
		end = s.p.Now()
	}
	rec.ExpiresAt = end.Add(s.p.Retention).UTC().Truncate(time.Second)
	rec.Meta.Segments = len(rec.Segments)
	if rec.Segments == nil {
		rec.Segments = []Segment{}
	}
	if rec.Speakers == nil {
		rec.Speakers = []Speaker{}
	}
	dir := filepath.Join(s.p.Dir, rec.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, recordFile), func(w io.Writer) error { return writeJSON(w, rec) }); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, journalFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("archive: %w", err)
	}
	s.index[rec.ID] = rec.Meta
	return s.writeIndexLocked()
}

// List returns every transcript's metadata, the newest first.
func (s *Store) List() []Meta {
	s.mu.Lock()
	out := make([]Meta, 0, len(s.index))
	for _, m := range s.index {
		out = append(out, m)
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b Meta) int { return cmp.Or(b.StartedAt.Compare(a.StartedAt), cmp.Compare(a.ID, b.ID)) })
	return out
}

// Get reads a transcript, with the segments appended since it was last saved.
func (s *Store) Get(id string) (*Record, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.index[id]; !ok {
		return nil, ErrNotFound
	}
	rec, err := s.readLocked(id)
	if err != nil {
		return nil, err
	}
	if err := s.readJournalLocked(rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// readLocked reads transcript id's saved file. s.mu must be held.
func (s *Store) readLocked(id string) (*Record, error) {
	data, err := os.ReadFile(filepath.Join(s.p.Dir, id, recordFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("archive: transcript %s is damaged: %w", id, err)
	}
	return &rec, nil
}

// Sweep deletes every transcript whose retention period is over, with everything stored
// beside it, and returns how many it deleted.
func (s *Store) Sweep() (int, error) {
	now := s.p.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int
	var errs []error
	for id, m := range s.index {
		if m.Live || now.Before(m.ExpiresAt) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(s.p.Dir, id)); err != nil {
			errs = append(errs, err)
			continue
		}
		delete(s.index, id)
		n++
		s.p.Logger.Info("transcript deleted: retention period over", "transcript", id, "room", m.Room, "expired", m.ExpiresAt)
	}
	if n > 0 {
		errs = append(errs, s.writeIndexLocked())
	}
	return n, errors.Join(errs...)
}

// Run sweeps at start and then regularly (a tenth of the retention, between 1 s and 1 h) until
// ctx ends.
func (s *Store) Run(ctx context.Context) error { return run(ctx, s.p.Retention, s.p.Logger, s.Sweep) }

// run calls sweep at start and then every tenth of retention (between 1 s and 1 h) until ctx
// ends.
func run(ctx context.Context, retention time.Duration, log *slog.Logger, sweep func() (int, error)) error {
	every := min(max(retention/10, time.Second), time.Hour)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := sweep(); err != nil {
			log.Warn("deleting expired transcripts", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (s *Store) writeIndexLocked() error {
	list := make([]Meta, 0, len(s.index))
	for _, m := range s.index {
		list = append(list, m)
	}
	slices.SortFunc(list, func(a, b Meta) int { return cmp.Compare(a.ID, b.ID) })
	return writeFileAtomic(filepath.Join(s.p.Dir, indexFile), func(w io.Writer) error { return writeJSON(w, list) })
}

// writeFileAtomic writes a file through a temporary file and a rename, so a crash never leaves
// half a file.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("archive: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("archive: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// validID accepts the IDs NewID makes, so an ID never names a path outside the store.
func validID(id string) bool {
	if len(id) != 15 || id[:3] != "TS_" {
		return false
	}
	for _, c := range id[3:] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
