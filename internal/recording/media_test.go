package recording

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"visio/internal/loadtest"
	speech "visio/internal/transcribe/audio"
)

// needFFmpeg skips a test when ffmpeg is missing (it is installed by .ci/run).
func needFFmpeg(t testing.TB) {
	t.Helper()
	if _, err := FFmpegPath(""); err != nil {
		t.Skip(err)
	}
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe is not installed")
	}
}

// mediaCache is where made test media is kept between runs.
func mediaCache(t testing.TB) string {
	t.Helper()
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "visio", "loadtest-media")
}

// testVideo returns a small VP8 test pattern (the load tester's media).
func testVideo(t testing.TB) *loadtest.Media {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := loadtest.LoadMedia(ctx, mediaCache(t), loadtest.MediaSpec{Width: 320, Height: 180, FPS: 15, Duration: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// toneOpus returns 20 ms Opus packets of a sine tone at hz, secs long.
func toneOpus(t testing.TB, hz int, secs int) [][]byte {
	t.Helper()
	path := filepath.Join(mediaCache(t), fmt.Sprintf("tone_%dhz_%ds.ogg", hz, secs))
	if _, err := os.Stat(path); err != nil {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		tmp := path + ".tmp.ogg"
		out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
			"-i", fmt.Sprintf("sine=frequency=%d:sample_rate=48000:duration=%d", hz, secs),
			"-c:a", "libopus", "-b:a", "32k", "-frame_duration", "20", "-page_duration", "20000", "-ac", "1", tmp).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v: %s", err, out)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	p, err := speech.ReadOggPacketsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// probe is what ffprobe says of a file.
type probe struct {
	Duration    time.Duration
	VideoFrames int
	Streams     []string // codec names
}

func ffprobe(t testing.TB, path string) probe {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-show_entries",
		"format=duration:stream=codec_name,codec_type,nb_read_frames", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var r struct {
		Format  struct{ Duration string }
		Streams []struct {
			CodecName    string `json:"codec_name"`
			CodecType    string `json:"codec_type"`
			NbReadFrames string `json:"nb_read_frames"`
		}
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	var p probe
	d, _ := strconv.ParseFloat(r.Format.Duration, 64)
	p.Duration = time.Duration(d * float64(time.Second))
	for _, s := range r.Streams {
		p.Streams = append(p.Streams, s.CodecName)
		if s.CodecType == "video" {
			p.VideoFrames, _ = strconv.Atoi(s.NbReadFrames)
		}
	}
	return p
}

// toneLevels decodes path's audio and returns, for each window of step, the strength of each
// frequency (Goertzel), relative to the window's energy.
func toneLevels(t testing.TB, path string, step time.Duration, freqs ...float64) [][]float64 {
	t.Helper()
	const rate = 16000
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-i", path, "-vn", "-ac", "1",
		"-ar", strconv.Itoa(rate), "-f", "f32le", "-").Output()
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	samples := make([]float32, len(out)/4)
	if err := binary.Read(bytes.NewReader(out), binary.LittleEndian, samples); err != nil {
		t.Fatal(err)
	}
	n := int(step.Seconds() * rate)
	var levels [][]float64
	for start := 0; start+n <= len(samples); start += n {
		win := samples[start : start+n]
		row := make([]float64, len(freqs))
		for i, f := range freqs {
			row[i] = goertzel(win, f, rate)
		}
		levels = append(levels, row)
	}
	return levels
}

// goertzel returns the amplitude of frequency f in x.
func goertzel(x []float32, f float64, rate int) float64 {
	w := 2 * math.Pi * f / float64(rate)
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s := float64(v) + c*s1 - s2
		s2, s1 = s1, s
	}
	p := s1*s1 + s2*s2 - c*s1*s2
	return 2 * math.Sqrt(math.Max(p, 0)) / float64(len(x))
}

func fmtLevels(l [][]float64) string {
	var b strings.Builder
	for i, r := range l {
		fmt.Fprintf(&b, "%d:", i)
		for _, v := range r {
			fmt.Fprintf(&b, " %.3f", v)
		}
		b.WriteString("\n")
	}
	return b.String()
}
