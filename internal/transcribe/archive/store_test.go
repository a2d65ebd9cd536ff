package archive

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"visio/internal/transcribe"
)

func TestSaveGetRenderSweep(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	s, err := Open(Params{Dir: dir, Retention: time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	rec := &Record{Meta: Meta{ID: NewID(), Room: "abc-defg-hij", MeetingStartedAt: now, StartedAt: now, EndedAt: now.Add(10 * time.Minute)}}
	rec.Add(transcribe.Segment{Speaker: "PA_1", Start: 2 * time.Second, End: 4 * time.Second, Text: "bonjour"}, "Camille")
	rec.Add(transcribe.Segment{Speaker: "PA_2", Start: time.Second, End: 3 * time.Second, Text: "salut"}, "Camille")
	if err := s.Save(rec); err != nil {
		t.Fatal(err)
	}
	// Reopening reads the index back.
	s, err = Open(Params{Dir: dir, Retention: time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if l := s.List(); len(l) != 1 || l[0].Segments != 2 || !l[0].ExpiresAt.Equal(now.Add(70*time.Minute)) {
		t.Fatalf("list = %+v", l)
	}
	got, err := s.Get(rec.ID)
	if err != nil || len(got.Segments) != 2 {
		t.Fatalf("get = %+v, %v", got, err)
	}
	var b bytes.Buffer
	if err := got.Render(&b, "srt"); err != nil {
		t.Fatal(err)
	}
	// Sorted by time; two people with one name are told apart.
	if want := "1\n00:00:01,000 --> 00:00:03,000\nCamille (2): salut\n"; !strings.HasPrefix(b.String(), want) {
		t.Fatalf("srt = %q", b.String())
	}
	for _, id := range []string{"../x", "TS_", rec.ID + "x", "TS_../../../../"} {
		if _, err := s.Get(id); err != ErrNotFound {
			t.Errorf("Get(%q) = %v", id, err)
		}
	}
	if n, err := s.Sweep(); n != 0 || err != nil {
		t.Fatalf("early sweep deleted %d (%v)", n, err)
	}
	now = now.Add(71 * time.Minute)
	if n, err := s.Sweep(); n != 1 || err != nil {
		t.Fatalf("sweep deleted %d (%v)", n, err)
	}
	if _, err := os.Stat(filepath.Join(dir, rec.ID)); !os.IsNotExist(err) {
		t.Errorf("transcript directory still there: %v", err)
	}
	if _, err := s.Get(rec.ID); err != ErrNotFound {
		t.Errorf("get after sweep: %v", err)
	}
	if len(s.List()) != 0 {
		t.Error("index still lists it")
	}
}
