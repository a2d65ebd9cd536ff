package room_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"visio/internal/room"
	"visio/internal/room/roomtest"
	"visio/internal/transcribe"
	"visio/internal/transcribe/archive"
)

type recognizer struct{}

func (recognizer) Recognize(context.Context, transcribe.Request) (transcribe.Result, error) {
	return transcribe.Result{}, nil
}
func (recognizer) Name() string { return "test" }

type store struct {
	mu       sync.Mutex
	saved    []archive.Record
	appended []archive.Segment
}

func (s *store) Append(_ string, segs ...archive.Segment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appended = append(s.appended, segs...)
	return nil
}

func (s *store) Save(rec *archive.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saved = append(s.saved, *rec)
	return nil
}

func (s *store) last() archive.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saved[len(s.saved)-1]
}

func TestTranscriptionControl(t *testing.T) {
	t.Run("unavailable", func(t *testing.T) {
		w := newWorld(t, 10, nil)
		p, c := w.enter(owner("Ada"))
		if st := welcome(t, c).Transcription; st.Available || st.Reason != "no_recognizer" {
			t.Fatalf("welcome says %#v", st)
		}
		if err := p.ControlTranscription("start"); !errors.Is(err, room.ErrTranscriptionUnavailable) {
			t.Fatalf("start: %v", err)
		}
	})

	st := &store{}
	w := newWorld(t, 10, &room.Transcription{Recognizer: recognizer{}, Language: "fr", Store: st})
	mod, mc := w.enter(owner("Ada"))
	m, bc := w.enter(member("Max"))
	if s := welcome(t, mc).Transcription; !s.Available || !s.CanControl {
		t.Fatalf("the owner's welcome says %#v", s)
	}
	if s := welcome(t, bc).Transcription; !s.Available || s.CanControl {
		t.Fatalf("a member's welcome says %#v", s)
	}
	if err := m.ControlTranscription("start"); !errors.Is(err, room.ErrForbidden) {
		t.Fatalf("a member starts: %v, want ErrForbidden", err)
	}
	if err := mod.ControlTranscription("start"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*roomtest.Conn{mc, bc} {
		got := roomtest.Of[room.TranscriptionState](c)
		if len(got) != 1 || !got[0].Active || got[0].By == nil || got[0].By.ID != mod.ID() || got[0].TranscriptID == "" {
			t.Fatalf("told %#v, want transcription active by Ada", got)
		}
	}
	if !w.media.Rooms(code)[0].Tapped() {
		t.Fatal("the meeting's audio is not tapped")
	}
	if err := mod.ControlTranscription("start"); err != nil || len(roomtest.Of[room.TranscriptionState](bc)) != 1 {
		t.Fatalf("second start: %v; want nothing to happen", err)
	}
	if err := mod.ControlTranscription("stop"); err != nil {
		t.Fatal(err)
	}
	if got := roomtest.Of[room.TranscriptionState](bc); len(got) != 2 || got[1].Active {
		t.Fatalf("told %#v, want transcription stopped", got)
	}
	if w.media.Rooms(code)[0].Tapped() {
		t.Fatal("audio still tapped after stop")
	}
	mod.Leave()
	m.Leave()
	if err := w.ms.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	if rec := st.last(); rec.Live || rec.StartedBy.ID != mod.ID() || rec.Room != code {
		t.Fatalf("transcript saved as %#v, want final", rec.Meta)
	}
}
