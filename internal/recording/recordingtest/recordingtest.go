// Package recordingtest holds test helpers for recordings: known media made with ffmpeg, and
// checks of composed files with ffprobe.
package recordingtest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"

	speech "visio/internal/transcribe/audio"
)

// NeedFFmpeg skips a test when ffmpeg is missing (it is installed by .ci/run).
func NeedFFmpeg(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed")
	}
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe is not installed")
	}
}

// MediaCache is where made test media is kept between runs.
func MediaCache(t testing.TB) string {
	t.Helper()
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "visio", "loadtest-media")
}

// VideoFrame is one VP8 frame, whole and cut into RTP payloads (RFC 7741).
type VideoFrame struct {
	Data     []byte
	Packets  [][]byte
	Keyframe bool
}

// Payloads lists the frames' VP8 payloads, in order.
func Payloads(frames []VideoFrame) [][]byte {
	out := make([][]byte, len(frames))
	for i, f := range frames {
		out[i] = f.Data
	}
	return out
}

// Video returns a VP8 test pattern of w x h at fps, secs long, a keyframe every 2 s, encoded
// with ffmpeg's realtime settings as a browser would; made once and cached.
func Video(t testing.TB, w, h, fps, secs int) []VideoFrame {
	t.Helper()
	return vp8File(t, fmt.Sprintf("rec_vp8_%dx%d_%dfps_%ds.ivf", w, h, fps, secs),
		[]string{"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", w, h, fps), "-t", strconv.Itoa(secs),
			"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-g", strconv.Itoa(2 * fps),
			"-auto-alt-ref", "0", "-error-resilient", "1"})
}

// ToneOpus returns 20 ms Opus packets of a sine tone at hz, secs long.
func ToneOpus(t testing.TB, hz int, secs int) [][]byte {
	t.Helper()
	return opusFile(t, fmt.Sprintf("tone_%dhz_%ds.ogg", hz, secs),
		[]string{"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:sample_rate=48000:duration=%d", hz, secs)})
}

// Probe is what ffprobe says of a file.
type Probe struct {
	Duration    time.Duration
	VideoFrames int
	Streams     []string // codec names
}

func FFprobe(t testing.TB, path string) Probe {
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
	var p Probe
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

// ToneLevels decodes path's audio and returns, for each window of step, the strength of each
// frequency (Goertzel), relative to the window's energy.
func ToneLevels(t testing.TB, path string, step time.Duration, freqs ...float64) [][]float64 {
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

func FormatLevels(l [][]float64) string {
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

// Flash returns VP8 frames of w x h at fps, secs long, black until at and white from then on
// (a keyframe every second), as Video does.
func Flash(t testing.TB, w, h, fps, secs int, at time.Duration) []VideoFrame {
	t.Helper()
	return vp8File(t, fmt.Sprintf("rec_flash_%dx%d_%dfps_%ds_%dms.ivf", w, h, fps, secs, at.Milliseconds()),
		[]string{"-f", "lavfi", "-i", fmt.Sprintf("color=c=black:s=%dx%d:r=%d:d=%d", w, h, fps, secs),
			"-vf", fmt.Sprintf("drawbox=c=white:t=fill:enable='gte(t,%.3f)'", at.Seconds()),
			"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-g", strconv.Itoa(fps),
			"-auto-alt-ref", "0", "-error-resilient", "1"})
}

// vp8File makes (once, cached) a VP8 IVF file with ffmpeg's args and returns its frames.
func vp8File(t testing.TB, name string, args []string) []VideoFrame {
	t.Helper()
	path := cachedFFmpeg(t, name, args)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, _, err := ivfreader.NewWith(f)
	if err != nil {
		t.Fatal(err)
	}
	p := &codecs.VP8Payloader{EnablePictureID: true}
	var frames []VideoFrame
	for {
		fr, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(fr) == 0 {
			continue
		}
		frames = append(frames, VideoFrame{Data: fr, Packets: p.Payload(1150, fr), Keyframe: fr[0]&1 == 0})
	}
	if len(frames) == 0 || !frames[0].Keyframe {
		t.Fatalf("%s: no frames, or the first is not a keyframe", path)
	}
	return frames
}

// ToneFrom returns 20 ms Opus packets, secs long, silent until at and a sine tone at hz from
// then on.
func ToneFrom(t testing.TB, hz, secs int, at time.Duration) [][]byte {
	t.Helper()
	return opusFile(t, fmt.Sprintf("tone_%dhz_%ds_from%dms.ogg", hz, secs, at.Milliseconds()),
		[]string{"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:sample_rate=48000:duration=%d", hz, secs),
			"-af", fmt.Sprintf("volume=volume=0:enable='lt(t,%.3f)'", at.Seconds())})
}

// opusFile makes (once, cached) an Ogg/Opus file of 20 ms packets from ffmpeg's input args and
// returns its packets.
func opusFile(t testing.TB, name string, args []string) [][]byte {
	t.Helper()
	path := cachedFFmpeg(t, name, append(args, "-c:a", "libopus", "-b:a", "32k", "-frame_duration", "20",
		"-page_duration", "20000", "-ac", "1"))
	p, err := speech.ReadOggPacketsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// cachedFFmpeg makes the file name in the media cache with ffmpeg's args, unless it is there
// already, and returns its path.
func cachedFFmpeg(t testing.TB, name string, args []string) string {
	t.Helper()
	path := filepath.Join(MediaCache(t), name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := path + ".tmp" + filepath.Ext(name)
	out, err := exec.Command("ffmpeg", append(append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...), tmp)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// Luma decodes path's video and returns the mean brightness (0-255) of each frame, in the
// rectangle (x, y, w, h) given as fractions of the picture, and the frame rate.
func Luma(t testing.TB, path string, fps int, x, y, w, h float64) []float64 {
	t.Helper()
	const W, H = 64, 36
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-i", path, "-an",
		"-vf", fmt.Sprintf("fps=%d,scale=%d:%d,format=gray", fps, W, H), "-f", "rawvideo", "-").Output()
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	x0, y0, x1, y1 := int(x*W), int(y*H), int((x+w)*W), int((y+h)*H)
	var l []float64
	for off := 0; off+W*H <= len(out); off += W * H {
		sum, n := 0, 0
		for yy := y0; yy < y1; yy++ {
			for xx := x0; xx < x1; xx++ {
				sum += int(out[off+yy*W+xx])
				n++
			}
		}
		l = append(l, float64(sum)/float64(max(n, 1)))
	}
	return l
}
