package live

import (
	"context"
	"sync"
	"testing"
	"time"

	"visio/internal/transcribe"
)

type nopRecognizer struct{}

func (nopRecognizer) Recognize(context.Context, transcribe.Request) (transcribe.Result, error) {
	return transcribe.Result{Text: "x"}, nil
}
func (nopRecognizer) Name() string { return "nop" }

// TestTapAllocations: after a track's first packet, Tap allocates nothing.
func TestTapAllocations(t *testing.T) {
	s, err := NewSession(SessionParams{Recognizer: nopRecognizer{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	payload := []byte{0xfc, 0xff, 0xfe} // an Opus CELT 20 ms frame of silence
	var ts uint32
	s.Tap("PA_1", "TR_1", ts, payload)
	allocs := testing.AllocsPerRun(200, func() {
		ts += 960
		s.Tap("PA_1", "TR_1", ts, payload)
	})
	if allocs != 0 {
		t.Errorf("Tap allocates %.1f times per packet", allocs)
	}
}

// TestUtteranceRecognizer merges word pieces but keeps sentence pieces.
func TestUtteranceRecognizer(t *testing.T) {
	words := fixed{transcribe.Result{Text: "a b", Pieces: []transcribe.Piece{{Text: "a"}, {Start: time.Second, Text: "b"}}}}
	res, _ := utteranceRecognizer{words}.Recognize(context.Background(), transcribe.Request{})
	if res.Pieces != nil || res.Text != "a b" {
		t.Errorf("words: %+v", res)
	}
	sentences := fixed{transcribe.Result{Text: "a b. c d.", Pieces: []transcribe.Piece{{Text: "a b."}, {Text: "c d."}}}}
	if res, _ := (utteranceRecognizer{sentences}).Recognize(context.Background(), transcribe.Request{}); len(res.Pieces) != 2 {
		t.Errorf("sentences: %+v", res)
	}
}

type fixed struct{ r transcribe.Result }

func (f fixed) Recognize(context.Context, transcribe.Request) (transcribe.Result, error) {
	return f.r, nil
}
func (fixed) Name() string { return "fixed" }

// TestCloseWaits: Close returns after every goroutine ended, and Tap after Close is ignored.
func TestCloseWaits(t *testing.T) {
	var mu sync.Mutex
	s, _ := NewSession(SessionParams{Recognizer: nopRecognizer{}, Emit: func(transcribe.Segment) { mu.Lock(); mu.Unlock() }})
	s.Tap("PA_1", "TR_1", 0, []byte{0xfc, 0xff, 0xfe})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s.Tap("PA_1", "TR_2", 0, []byte{0xfc, 0xff, 0xfe})
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
}
