package transcribe

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"visio/internal/transcribe/diarize"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeRecognizer answers with the utterance's length and records the requests.
type fakeRecognizer struct {
	mu   sync.Mutex
	reqs []Request
	err  error
}

func (f *fakeRecognizer) Name() string { return "fake" }

func (f *fakeRecognizer) Recognize(_ context.Context, r Request) (Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, r)
	if f.err != nil {
		return Result{}, f.err
	}
	return Result{Text: "hello there"}, nil
}

func tone(seconds, amp float64) []float32 {
	x := make([]float32, int(seconds*rate))
	for i := range x {
		x[i] = float32(amp * math.Sin(float64(i)*0.2))
	}
	return x
}

// celtSilence is a 20 ms CELT fullband packet that decodes to silence (RFC 6716 3.1, config 31).
var celtSilence = []byte{0xf8, 0xff, 0xfe}

func TestStreamAttributesSegmentsOnMeetingClock(t *testing.T) {
	rec := &fakeRecognizer{}
	var mu sync.Mutex
	var got []Segment
	s, err := NewStream(StreamParams{
		Participant: "alice", Recognizer: rec, Origin: 10 * time.Second,
		Emit: func(seg Segment) { mu.Lock(); got = append(got, seg); mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	ts := uint32(4_000_000_000) // near the wrap, on purpose
	for range 50 {              // 1 s of silence packets
		if err := s.WriteRTP(ts, celtSilence); err != nil {
			t.Fatal(err)
		}
		ts += 960
	}
	ts += 2 * 48000 // 2 s gap: discontinuous transmission
	if err := s.WriteRTP(ts, celtSilence); err != nil {
		t.Fatal(err)
	}
	// speech from 3.02 s on the stream's clock for 1.5 s, then silence
	if err := s.WritePCM(tone(1.5, 0.3)); err != nil {
		t.Fatal(err)
	}
	if err := s.WritePCM(make([]float32, rate)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close() // safe twice
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := s.WritePCM(tone(0.1, 0.1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d segments, want 1: %+v", len(got), got)
	}
	seg := got[0]
	if seg.Speaker != "alice" || seg.Text != "hello there" {
		t.Fatalf("segment %+v", seg)
	}
	// 10 s origin + 3.02 s; voice detection may start a few frames early (pre-roll).
	if seg.Start < 12900*time.Millisecond || seg.Start > 13100*time.Millisecond || seg.End < 14500*time.Millisecond || seg.End > 14900*time.Millisecond {
		t.Fatalf("segment at %v-%v, want about 13.02 s-14.52 s (plus hangover)", seg.Start, seg.End)
	}
}

func TestStreamWithoutRecognizerSaysSo(t *testing.T) {
	if _, err := NewStream(StreamParams{Participant: "bob"}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

func TestStreamRecognizerErrorSkipsUtterance(t *testing.T) {
	rec := &fakeRecognizer{err: errors.New("server down")}
	emitted := 0
	s, err := NewStream(StreamParams{Participant: "c", Recognizer: rec, Emit: func(Segment) { emitted++ }})
	if err != nil {
		t.Fatal(err)
	}
	s.WritePCM(make([]float32, rate))
	s.WritePCM(tone(1, 0.3))
	s.WritePCM(make([]float32, rate))
	s.Close()
	if err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if emitted != 0 || len(rec.reqs) != 1 {
		t.Fatalf("emitted %d, requests %d", emitted, len(rec.reqs))
	}
}

func TestTurnsToSegments(t *testing.T) {
	turns := []diarize.Turn{
		{Speaker: 0, Start: 0, End: 2},
		{Speaker: 0, Start: 2.3, End: 4},  // joined: gap under 0.5 s
		{Speaker: 1, Start: 4, End: 5},    // new speaker
		{Speaker: 1, Start: 6, End: 7},    // gap of 1 s: new segment
		{Speaker: 0, Start: 8, End: 68.5}, // split at 25 s
	}
	got := turnsToSegments(turns, 25*time.Second)
	want := []string{"SPEAKER_00 0s 4s", "SPEAKER_01 4s 5s", "SPEAKER_01 6s 7s", "SPEAKER_00 8s 33s", "SPEAKER_00 33s 58s", "SPEAKER_00 58s 1m8.5s"}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i, s := range got {
		if g := s.Speaker + " " + s.Start.String() + " " + s.End.String(); g != want[i] {
			t.Errorf("segment %d = %s, want %s", i, g, want[i])
		}
	}
}

func TestSplitResultKeepsPiecesInsideSegment(t *testing.T) {
	seg := Segment{Speaker: "a", Start: 10 * time.Second, End: 14 * time.Second}
	got := splitResult(seg, Result{Text: "one two", Pieces: []Piece{{0, time.Second, " one "}, {3 * time.Second, 9 * time.Second, "two"}}})
	if len(got) != 2 || got[0].Text != "one" || got[1].Start != 13*time.Second || got[1].End != 14*time.Second {
		t.Fatalf("got %+v", got)
	}
}

func TestFileWithoutRecognizer(t *testing.T) {
	pcm := append(append(make([]float32, rate), tone(3, 0.2)...), make([]float32, rate)...)
	for i := range pcm {
		pcm[i] += float32(1e-4 * math.Sin(float64(i)))
	}
	tr, dia, err := File(context.Background(), pcm, FileParams{Speakers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tr.Notice, "transcription unavailable") || tr.Recognizer != "" || dia.Speakers != 1 || len(tr.Segments) == 0 {
		t.Fatalf("transcript %+v, diarization %+v", tr, dia)
	}
	rec := &fakeRecognizer{}
	tr, _, err = File(context.Background(), pcm, FileParams{Speakers: 1, Recognizer: rec})
	if err != nil || tr.Recognizer != "fake" || tr.Segments[0].Text != "hello there" || rec.reqs[0].Language != "fr" {
		t.Fatalf("transcript %+v, %v", tr, err)
	}
}
