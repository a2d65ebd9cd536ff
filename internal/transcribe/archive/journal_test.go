package archive

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestJournalSurvivesRestart: segments appended to a live transcript are read back with it; a
// store opened after a run that stopped without ending the transcript (a crash) folds the
// journal in, marks it ended and lists it with every segment; a line cut short by the crash is
// dropped, not the transcript.
func TestJournalSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	p := Params{Dir: dir, Retention: time.Hour, Now: func() time.Time { return now }}
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	rec := &Record{Meta: Meta{ID: NewID(), Room: "abc-defg-hij", MeetingStartedAt: now, StartedAt: now, Live: true}}
	if err := s.Append(rec.ID, Segment{Text: "too early"}); err != ErrNotFound {
		t.Errorf("append before the first save: %v, want ErrNotFound", err)
	}
	if err := s.Save(rec); err != nil {
		t.Fatal(err)
	}
	for i, text := range []string{"bonjour", "à tous"} {
		sg := Segment{ParticipantID: "PA_1", Name: "Camille", StartMS: int64(1000 * i), EndMS: int64(1000*i + 800), Text: text}
		if err := s.Append(rec.ID, sg); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Get(rec.ID)
	if err != nil || len(got.Segments) != 2 || got.Segments[1].Text != "à tous" || len(got.Speakers) != 1 {
		t.Fatalf("live get = %+v, %v", got, err)
	}
	// The process dies here, in the middle of writing a third segment.
	f, err := os.OpenFile(filepath.Join(dir, rec.ID, journalFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"participant_id":"PA_1","te`)
	f.Close()

	s, err = Open(p)
	if err != nil {
		t.Fatal(err)
	}
	l := s.List()
	if len(l) != 1 || l[0].Live || l[0].EndedAt.IsZero() || l[0].Segments != 2 {
		t.Fatalf("after the crash: %+v, want one ended transcript of 2 segments", l)
	}
	got, err = s.Get(rec.ID)
	if err != nil || len(got.Segments) != 2 {
		t.Fatalf("after the crash: %+v, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, rec.ID, journalFile)); !os.IsNotExist(err) {
		t.Errorf("journal left after recovery: %v", err)
	}
	// A save of the whole record empties the journal; nothing is counted twice.
	if err := s.Append(rec.ID, Segment{ParticipantID: "PA_2", Text: "merci"}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(rec.ID)
	if err := s.Save(got); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Get(rec.ID); len(got.Segments) != 3 {
		t.Errorf("after save: %d segments, want 3", len(got.Segments))
	}
}
