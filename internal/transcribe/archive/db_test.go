package archive

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"visio/internal/store/postgres"
	"visio/internal/store/storetest"
	"visio/internal/transcribe"
)

// TestDBSaveAppendGetSweep: the PostgreSQL transcript store reads back what was saved and
// appended (speakers included), lists it with the right count and expiry, renders it as the
// file store does, and deletes it when its retention is over.
func TestDBSaveAppendGetSweep(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, storetest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	s, err := OpenDB(db, Params{Retention: time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	rec := &Record{Meta: Meta{ID: NewID(), Room: "abc-defg-hij", MeetingStartedAt: now, StartedAt: now, Live: true,
		StartedBy: Speaker{ID: "PA_1", Name: "Camille"}, Recognizer: "test", Language: "fr"}}
	if err := s.Append(rec.ID, Segment{Text: "too early"}); err != ErrNotFound {
		t.Errorf("append before the first save: %v, want ErrNotFound", err)
	}
	rec.Add(transcribe.Segment{Speaker: "PA_1", Start: 2 * time.Second, End: 4 * time.Second, Text: "bonjour"}, "Camille")
	if err := s.Save(rec); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(rec.ID, Segment{ParticipantID: "PA_2", Name: "Camille", StartMS: 1000, EndMS: 3000, Text: "salut"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(rec.ID)
	if err != nil || len(got.Segments) != 2 || len(got.Speakers) != 2 || !got.Live || got.StartedBy.Name != "Camille" || got.Segments[1].Text != "salut" {
		t.Fatalf("live get = %+v, %v", got, err)
	}
	var b bytes.Buffer
	if err := got.Render(&b, "srt"); err != nil {
		t.Fatal(err)
	}
	if want := "1\n00:00:01,000 --> 00:00:03,000\nCamille (2): salut\n"; !strings.HasPrefix(b.String(), want) {
		t.Fatalf("srt = %q", b.String())
	}
	got.Live, got.EndedAt = false, now.Add(10*time.Minute)
	if err := s.Save(got); err != nil {
		t.Fatal(err)
	}
	if l := s.List(); len(l) != 1 || l[0].Live || l[0].Segments != 2 || !l[0].ExpiresAt.Equal(now.Add(70*time.Minute)) || len(l[0].Speakers) != 2 {
		t.Fatalf("list = %+v", l)
	}
	if _, err := s.Get("TS_../../../x"); err != ErrNotFound {
		t.Errorf("Get of a bad id: %v", err)
	}
	if n, err := s.Sweep(); n != 0 || err != nil {
		t.Fatalf("early sweep deleted %d (%v)", n, err)
	}
	now = now.Add(71 * time.Minute)
	if n, err := s.Sweep(); n != 1 || err != nil {
		t.Fatalf("sweep deleted %d (%v)", n, err)
	}
	if _, err := s.Get(rec.ID); err != ErrNotFound {
		t.Errorf("get after sweep: %v", err)
	}
}
