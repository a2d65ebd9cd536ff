package archive

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// journalFile holds the segments appended since the transcript was last saved, one JSON object
// per line.
const journalFile = "journal.jsonl"

// Append adds segments to the journal of transcript id, which must have been saved once. Each
// call is one write to a file opened for appending: once it returns, the segments survive a
// crash of the process (kill -9; not a power cut, which only Save's fsync covers), at the cost
// of a few hundred bytes per segment rather than rewriting the whole transcript. Get and Open
// fold the journal in; Save, given the whole record, empties it.
func (s *Store) Append(id string, segs ...Segment) error {
	if len(segs) == 0 {
		return nil
	}
	var buf bytes.Buffer
	for _, sg := range segs {
		b, err := json.Marshal(sg)
		if err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.index[id]; !ok || !validID(id) {
		return ErrNotFound
	}
	f, err := os.OpenFile(filepath.Join(s.p.Dir, id, journalFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("archive: append to %s: %w", id, err)
	}
	return f.Close()
}

// readJournalLocked adds the journal's segments to rec. A line cut short by a crash ends the
// journal. s.mu must be held.
func (s *Store) readJournalLocked(rec *Record) error {
	data, err := os.ReadFile(filepath.Join(s.p.Dir, rec.ID, journalFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var sg Segment
		if err := json.Unmarshal(sc.Bytes(), &sg); err != nil {
			break
		}
		rec.Segments = append(rec.Segments, sg)
		rec.addSpeaker(sg)
	}
	rec.Meta.Segments = len(rec.Segments)
	return nil
}

// recoverLocked finishes the transcripts a previous run left live (it stopped without ending
// them: a crash, a kill): their journals are folded in and they are marked ended when their
// files were last written. s.mu must be held.
func (s *Store) recoverLocked() error {
	var errs []error
	for id, m := range s.index {
		if !m.Live {
			continue
		}
		rec, err := s.readLocked(id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.readJournalLocked(rec); err != nil {
			errs = append(errs, err)
			continue
		}
		rec.Live = false
		rec.EndedAt = s.lastWriteLocked(id).UTC().Truncate(time.Second)
		if err := s.saveLocked(rec); err != nil {
			errs = append(errs, err)
			continue
		}
		s.p.Logger.Warn("transcript recovered: the previous run stopped while it was live", "transcript", id, "room", m.Room, "segments", len(rec.Segments))
	}
	return errors.Join(errs...)
}

// lastWriteLocked is when transcript id's files were last written.
func (s *Store) lastWriteLocked(id string) time.Time {
	var last time.Time
	for _, f := range []string{recordFile, journalFile} {
		if st, err := os.Stat(filepath.Join(s.p.Dir, id, f)); err == nil && st.ModTime().After(last) {
			last = st.ModTime()
		}
	}
	if last.IsZero() {
		last = s.p.Now()
	}
	return last
}
