package recording

import (
	"context"
	"errors"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	"go.uber.org/goleak"

	"visio/internal/recording/recordingtest"
	"visio/internal/sfu"
	"visio/internal/testenv"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// feeder pushes known media into a recorder as a publisher would, at simulated arrival times.
type feeder struct {
	r     *Recorder
	t0    time.Time
	seq   map[string]uint16
	base  map[string]uint32
	count int
}

func (f *feeder) packet(part, track string, src sfu.Source, video bool, at time.Duration, ts uint32, marker bool, payload []byte) {
	if f.seq == nil {
		f.seq, f.base = map[string]uint16{}, map[string]uint32{}
	}
	if _, ok := f.base[track]; !ok {
		f.base[track] = uint32(len(f.base)*123456789 + 1000)
	}
	seq := f.seq[track]
	f.seq[track] = seq + 1
	pkt := &rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: f.base[track] + ts, Marker: marker}, Payload: payload}
	f.r.Packet(part, track, src, video, 0, f.t0.Add(at).UnixNano(), pkt)
	f.count++
}

// TestRecordAndCompose records two participants (A: camera and a 440 Hz tone from the start, a
// screen share from 1 s to 3 s; B: a 1000 Hz tone and a camera from 1.5 s, B's microphone
// muted from 3 s to 3.5 s) and checks
// the per-track files and the composed file: duration, frame count, each tone at its offset.
func TestRecordAndCompose(t *testing.T) {
	recordingtest.NeedFFmpeg(t)
	defer goleak.VerifyNone(t)
	video := recordingtest.Video(t, 160, 90, 15, 4)
	toneA, toneB := recordingtest.ToneOpus(t, 440, 4), recordingtest.ToneOpus(t, 1000, 4)

	dir := filepath.Join(t.TempDir(), "RE_test0001")
	clk := &clock{t: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}
	r, err := Start(Params{Dir: dir, ID: "RE_test0001", Room: "abc-defg-hij", QueueLen: 1 << 16, Now: clk.now,
		StartedBy: Participant{ID: "A", Name: "Alice"}, Participants: []Participant{{ID: "A", Name: "Alice"}}})
	if err != nil {
		t.Fatal(err)
	}
	r.Joined("B", "Bruno")
	f := &feeder{r: r, t0: clk.t}
	offB := 1500 * time.Millisecond
	// Audio: 20 ms packets.
	for i, p := range toneA {
		at := time.Duration(i) * 20 * time.Millisecond
		f.packet("A", "TA_mic", sfu.SourceMicrophone, false, at, uint32(i*960), false, p)
	}
	for i, p := range toneB {
		at := offB + time.Duration(i)*20*time.Millisecond
		if at >= 3*time.Second && at < 3500*time.Millisecond {
			continue // muted: nothing reaches the recorder
		}
		if at > 4*time.Second {
			break
		}
		f.packet("B", "TB_mic", sfu.SourceMicrophone, false, at, uint32(i*960), false, p)
	}
	// Video: every frame's packets, 15 fps, the same pattern for both.
	push := func(part, track string, off, until time.Duration) int {
		n := 0
		src := sfu.SourceCamera
		if strings.HasSuffix(track, "_screen") {
			src = sfu.SourceScreen
		}
		for i, fr := range video {
			at := off + time.Duration(i)*time.Second/15
			if at >= until {
				break
			}
			for k, p := range fr.Packets {
				f.packet(part, track, src, true, at, uint32(i*6000), k == len(fr.Packets)-1, p)
			}
			n++
		}
		return n
	}
	push("A", "TA_cam", 0, 4*time.Second)
	push("B", "TB_cam", offB, 4*time.Second)
	push("A", "TA_screen", time.Second, 3*time.Second) // on the main stage while shared
	clk.t = clk.t.Add(4 * time.Second)
	m, err := r.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Stop(); err != nil { // twice is fine
		t.Fatal(err)
	}
	if len(m.Tracks) != 5 || m.Dropped != 0 {
		t.Fatalf("manifest: %d tracks, %d dropped: %+v", len(m.Tracks), m.Dropped, m)
	}
	for _, tr := range m.Tracks {
		want := int64(0)
		switch {
		case tr.Source == "screen":
			want = 1000
		case tr.Participant == "B":
			want = offB.Milliseconds()
		}
		if tr.OffsetMS != want {
			t.Errorf("track %s offset %d ms, want %d", tr.ID, tr.OffsetMS, want)
		}
		p := recordingtest.FFprobe(t, filepath.Join(dir, tr.File))
		if tr.Kind == "video" && (p.VideoFrames < 20 || len(p.Streams) != 1 || p.Streams[0] != "vp8") {
			t.Errorf("track file %s: %+v", tr.File, p)
		}
	}
	if m.participantName("B") != "Bruno" {
		t.Errorf("participants %+v", m.Participants)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := filepath.Join(dir, "meeting.webm")
	c, err := Compose(ctx, ComposeParams{Dir: dir, Out: out, Width: 320, Height: 180, FPS: 25})
	if err != nil {
		t.Fatal(err)
	}
	p := recordingtest.FFprobe(t, c.File)
	if d := p.Duration - 4*time.Second; d < -time.Second || d > time.Second {
		t.Errorf("composed duration %s, want 4 s ± 1 s", p.Duration)
	}
	if want := 100; p.VideoFrames < want*95/100 || p.VideoFrames > want*105/100 {
		t.Errorf("composed video has %d frames, want %d ± 5%%", p.VideoFrames, want)
	}
	checkTones(t, out, offB)
	checkNames(t, ctx, dir, out)

	audio := filepath.Join(dir, "meeting.ogg")
	if _, err := Compose(ctx, ComposeParams{Dir: dir, Out: audio, AudioOnly: true}); err != nil {
		t.Fatal(err)
	}
	if p := recordingtest.FFprobe(t, audio); len(p.Streams) != 1 || p.Streams[0] != "opus" || p.VideoFrames != 0 {
		t.Errorf("audio-only file: %+v", p)
	}
	checkTones(t, audio, offB)
}

// checkTones checks that A's 440 Hz tone plays from the start and B's 1000 Hz tone from offB,
// with B silent while muted (3-3.5 s).
func checkTones(t *testing.T, path string, offB time.Duration) {
	t.Helper()
	const step = 250 * time.Millisecond
	lv := recordingtest.ToneLevels(t, path, step, 440, 1000)
	if len(lv) < 14 {
		t.Fatalf("only %d windows of audio", len(lv))
	}
	for i, row := range lv[:15] {
		at := time.Duration(i) * step
		a, b := row[0] > 0.02, row[1] > 0.02
		wantB := at >= offB+step && (at+step <= 3*time.Second || at >= 3500*time.Millisecond+step)
		quietB := at+step <= offB || (at >= 3*time.Second+step && at+step <= 3500*time.Millisecond)
		if at >= step && !a {
			t.Errorf("at %s: A's tone missing\n%s", at, recordingtest.FormatLevels(lv))
			return
		}
		if (wantB && !b) || (quietB && b) {
			t.Errorf("at %s: B's tone present=%v, want %v\n%s", at, b, wantB, recordingtest.FormatLevels(lv))
			return
		}
	}
}

// TestSimulcastLayers: a simulcast camera is recorded from one layer at a time, the highest
// that sends: the recorder moves up to a larger layer at its first keyframe, and back down when
// that layer stops (paused by the publisher), without gaps or a second file.
func TestSimulcastLayers(t *testing.T) {
	recordingtest.NeedFFmpeg(t)
	small, large := recordingtest.Video(t, 160, 90, 15, 4), recordingtest.Video(t, 320, 180, 15, 4)
	dir := filepath.Join(t.TempDir(), "RE_simulcast1")
	clk := &clock{t: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}
	var asked []string
	r, err := Start(Params{Dir: dir, ID: "RE_simulcast1", QueueLen: 1 << 16, Now: clk.now,
		RequestKeyframe: func(id string) { asked = append(asked, id) }})
	if err != nil {
		t.Fatal(err)
	}
	seq := map[int]uint16{}
	send := func(layer int, frames []recordingtest.VideoFrame, i int, at time.Duration) {
		fr := frames[i%len(frames)]
		for k, p := range fr.Packets {
			pkt := &rtp.Packet{Header: rtp.Header{SequenceNumber: seq[layer], Timestamp: uint32(layer*77777 + i*6000), Marker: k == len(fr.Packets)-1}, Payload: p}
			seq[layer]++
			r.Packet("A", "TA_cam", sfu.SourceCamera, true, layer, clk.t.Add(at).UnixNano(), pkt)
		}
	}
	// Layer 0 all along (keyframes every 2 s); layer 1 from 1 s (frame 15, not a keyframe: the
	// recorder asks for one and waits for the keyframe at frame 30) until 3 s; back to layer 0 at
	// its first keyframe a second after that (frame 60).
	for i := range 100 {
		at := time.Duration(i) * time.Second / 15
		send(0, small, i, at)
		if i >= 15 && i < 45 {
			send(1, large, i, at)
		}
	}
	clk.t = clk.t.Add(100 * time.Second / 15)
	m, err := r.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Tracks) != 1 || len(asked) == 0 {
		t.Fatalf("%d tracks, %d keyframe requests; want one track and a request", len(m.Tracks), len(asked))
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "frame=width,pts_time", "-of", "csv=p=0",
		filepath.Join(dir, m.Tracks[0].File)).Output()
	if err != nil {
		t.Fatal(err)
	}
	var widths []string
	frames := 0
	for _, line := range strings.Fields(string(out)) {
		w := line[strings.LastIndexByte(line, ',')+1:] // some ffprobe versions print the time first
		frames++
		if len(widths) == 0 || widths[len(widths)-1] != w {
			widths = append(widths, w)
		}
	}
	if strings.Join(widths, " ") != "160 320 160" {
		t.Errorf("frame widths went %v, want 160 then 320 then 160", widths)
	}
	// Missing: the second between layer 1's end and layer 0's next keyframe.
	if frames < 80 || frames > 90 {
		t.Errorf("%d frames recorded of 100, want 85", frames)
	}
}

// TestLimits: a recording stops at its maximum size or duration, says so, and keeps what it
// wrote.
func TestLimits(t *testing.T) {
	defer goleak.VerifyNone(t)
	tone := recordingtest.ToneOpus(t, 440, 4)
	for _, tc := range []struct {
		name string
		p    Params
	}{
		{"size", Params{MaxBytes: 4000}},
		{"duration", Params{MaxDuration: 50 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			limited := make(chan error, 1)
			p := tc.p
			p.ID, p.Dir = "RE_limit0001", filepath.Join(t.TempDir(), "RE_limit0001")
			p.OnLimit = func(err error) { limited <- err }
			r, err := Start(p)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; ; i++ {
				r.Packet("A", "TA_mic", sfu.SourceMicrophone, false, 0, time.Now().UnixNano(),
					&rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i * 960)}, Payload: tone[i%len(tone)]})
				select {
				case err := <-limited:
					if !errors.Is(err, ErrLimit) {
						t.Fatalf("OnLimit(%v), want ErrLimit", err)
					}
				case <-time.After(time.Millisecond):
					if i < 5000 {
						continue
					}
					t.Fatal("no limit reached")
				}
				break
			}
			m, err := r.Stop()
			if err != nil || m.Stopped != "limit" || len(m.Tracks) != 1 || m.EndedAt.IsZero() {
				t.Fatalf("Stop: %+v, %v", m, err)
			}
			if !errors.Is(r.Err(), ErrLimit) {
				t.Errorf("Err() = %v", r.Err())
			}
		})
	}
}

// checkNames: the participants' names are drawn at the bottom left of their tiles (Alice's is
// the left one of the grid until the share at 1 s): there the picture differs from the same
// composition without a font, and nowhere else much.
func checkNames(t *testing.T, ctx context.Context, dir, named string) {
	t.Helper()
	testenv.File(t, DefaultFont, "fonts-dejavu-core")
	plain := filepath.Join(dir, "plain.webm")
	if _, err := Compose(ctx, ComposeParams{Dir: dir, Out: plain, Width: 320, Height: 180, FPS: 25, Font: "/nonexistent.ttf"}); err != nil {
		t.Fatal(err)
	}
	diff := func(x, y, w, h float64) float64 {
		a, b := recordingtest.Luma(t, named, 25, x, y, w, h), recordingtest.Luma(t, plain, 25, x, y, w, h)
		d := 0.0
		for i := 5; i < 20 && i < len(a) && i < len(b); i++ {
			d += math.Abs(a[i] - b[i])
		}
		return d / 15
	}
	label, top := diff(0, 0.55, 0.3, 0.2), diff(0, 0.25, 0.5, 0.25)
	t.Logf("brightness difference with and without names: %.1f where Alice's name is, %.1f above it", label, top)
	if label < 5 || top > 1 {
		t.Errorf("names on the tiles: brightness differs by %.1f where Alice's name is drawn, %.1f above it", label, top)
	}
}
