package recording

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"visio/internal/recording/recordingtest"
	"visio/internal/sfu"
)

// TestSpeakerLayout: A's camera is white, B's a test pattern. A speaks from 0.2 s (and stays on
// the stage through a silence), B from 1.9 s; A's interjection at 3.5 s is too short to take
// the stage. The composed stage shows A at 1 s, B at 3 s and at 3.6 s.
func TestSpeakerLayout(t *testing.T) {
	recordingtest.NeedFFmpeg(t)
	white := recordingtest.Flash(t, 160, 90, 15, 4, 0)
	pattern := recordingtest.Video(t, 160, 90, 15, 4)
	dir := filepath.Join(t.TempDir(), "RE_speak0001")
	clk := &clock{t: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}
	r, err := Start(Params{Dir: dir, ID: "RE_speak0001", Room: "abc-defg-hij", QueueLen: 1 << 16, Now: clk.now,
		Participants: []Participant{{ID: "A", Name: "Alice"}, {ID: "B", Name: "Bruno"}}})
	if err != nil {
		t.Fatal(err)
	}
	f := &feeder{r: r, t0: clk.t}
	for i := 0; i < 60; i++ {
		at := time.Duration(i) * time.Second / 15
		for k, p := range white[i].Packets {
			f.packet("A", "TA_cam", sfu.SourceCamera, true, at, uint32(i*6000), k == len(white[i].Packets)-1, p)
		}
		for k, p := range pattern[i].Packets {
			f.packet("B", "TB_cam", sfu.SourceCamera, true, at, uint32(i*6000), k == len(pattern[i].Packets)-1, p)
		}
	}
	for _, c := range []struct {
		at  time.Duration
		ids []string
	}{{200 * time.Millisecond, []string{"A"}}, {time.Second, nil}, {1900 * time.Millisecond, []string{"B", "A"}},
		{2250 * time.Millisecond, []string{"B"}}, {3500 * time.Millisecond, []string{"A"}}, {3800 * time.Millisecond, []string{"B"}}} {
		r.Speakers(c.ids, clk.t.Add(c.at).UnixNano())
	}
	clk.t = clk.t.Add(4 * time.Second)
	m, err := r.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Speakers) != 5 || m.Speakers[2] != (SpeakerChange{AtMS: 1900, Participant: "B"}) {
		t.Fatalf("speakers %+v", m.Speakers)
	}
	if got, err := ReadManifest(dir); err != nil || len(got.Speakers) != 5 {
		t.Fatalf("manifest on disk: %+v, %v", got, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := filepath.Join(dir, "meeting.webm")
	if _, err := Compose(ctx, ComposeParams{Dir: dir, Out: out, Width: 320, Height: 180, FPS: 25}); err != nil {
		t.Fatal(err)
	}
	stage := recordingtest.Luma(t, out, 25, 0.05, 0.2, 0.6, 0.5)
	t.Logf("stage brightness at 0.1, 1, 3 and 3.6 s: %.0f %.0f %.0f %.0f", stage[2], stage[25], stage[75], stage[90])
	if stage[25] < 220 || stage[75] > 190 || stage[90] > 190 {
		t.Errorf("the stage does not follow the speaker: brightness %.0f at 1 s (A, white), %.0f at 3 s and %.0f at 3.6 s (B)", stage[25], stage[75], stage[90])
	}
}

func TestSpeakerSpans(t *testing.T) {
	m := &Manifest{Speakers: []SpeakerChange{{0, "A"}, {1000, ""}, {3000, "C"}, {3500, "B"}, {4000, "A"}, {4500, "B"}, {9000, "A"}}}
	got := speakerSpans(m, map[string]bool{"A": true, "B": true}, 10)
	// B's and A's half-second turns at 3.5 and 4 s, and A's last second, are too short.
	want := map[string][][2]float64{"A": {{0, 4.5}}, "B": {{4.5, 10}}}
	if len(got) != len(want) || len(got["A"]) != 1 || got["A"][0] != want["A"][0] || len(got["B"]) != 1 || got["B"][0] != want["B"][0] {
		t.Errorf("spans %v, want %v", got, want)
	}
}
