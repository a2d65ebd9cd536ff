package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"

	speech "visio/internal/transcribe/audio"
)

// payloadMTU is the largest RTP payload the publishers send, as browsers do (1200-byte packets).
const payloadMTU = 1150

// Layer names: the simulcast RIDs of docs/protocol.md, lowest resolution first.
var layerRIDs = [3]string{"q", "h", "f"}

// MediaSpec says which test media to make: VP8 at Width x Height (the full layer; the half and
// quarter layers are derived) and Opus, FPS frames per second, Duration long (the publishers
// loop it).
type MediaSpec struct {
	Width, Height int
	FPS           int
	Duration      time.Duration
}

func (s MediaSpec) layerSize(i int) (w, h int) {
	div := 1 << (2 - i) // q: /4, h: /2, f: /1
	return even(s.Width / div), even(s.Height / div)
}

// layerBitrate is the target bitrate of layer i in kbit/s: the protocol's example encodings
// (150, 500, 1200 kbit/s at 1280x720), scaled by area for other sizes.
func (s MediaSpec) layerBitrate(i int) int {
	base := [3]float64{150, 500, 1200}[i]
	k := int(base * float64(s.Width*s.Height) / (1280 * 720))
	return max(k, 30)
}

func even(n int) int { return max(n&^1, 2) }

// Media is test media held in memory, already cut into RTP payloads: the publishers only stamp
// headers.
type Media struct {
	Spec   MediaSpec
	Layers [3]VideoLayer // q, h, f
	Audio  [][]byte      // one Opus packet (20 ms) per entry
}

// VideoLayer is one VP8 encoding, frame by frame.
type VideoLayer struct {
	Width, Height int
	Frames        []Frame
}

// Frame is one VP8 frame cut into RTP payloads (RFC 7741).
type Frame struct {
	Packets  [][]byte
	Keyframe bool
}

func (s MediaSpec) names() (video [3]string, audio string) {
	for i := range 3 {
		w, h := s.layerSize(i)
		video[i] = fmt.Sprintf("vp8_%dx%d_%dfps_%ds_%dk.ivf", w, h, s.FPS, int(s.Duration.Seconds()), s.layerBitrate(i))
	}
	return video, fmt.Sprintf("opus_48k_20ms_%ds.ogg", int(s.Duration.Seconds()))
}

// LoadMedia reads the media of spec from dir, first making it with ffmpeg if it is not there
// (testsrc2 video, pink noise audio). The files are cached in dir.
func LoadMedia(ctx context.Context, dir string, spec MediaSpec) (*Media, error) {
	if spec.FPS <= 0 || spec.Duration < time.Second || spec.Width < 16 || spec.Height < 16 {
		return nil, fmt.Errorf("%w: media %dx%d at %d fps for %s", ErrBadConfig, spec.Width, spec.Height, spec.FPS, spec.Duration)
	}
	video, audio := spec.names()
	if err := makeMedia(ctx, dir, spec, video, audio); err != nil {
		return nil, err
	}
	m := &Media{Spec: spec}
	for i, name := range video {
		l, err := readIVF(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		m.Layers[i] = l
	}
	a, err := speech.ReadOggPacketsFile(filepath.Join(dir, audio))
	if err != nil {
		return nil, err
	}
	m.Audio = a
	return m, nil
}

// makeMedia runs ffmpeg for the files missing from dir.
func makeMedia(ctx context.Context, dir string, spec MediaSpec, video [3]string, audio string) error {
	missing := false
	for _, n := range append(video[:], audio) {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			missing = true
		}
	}
	if !missing {
		return nil
	}
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return ErrNoFFmpeg
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(dir, ".making-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	secs := fmt.Sprint(int(spec.Duration.Seconds()))
	// One ffmpeg run draws the test pattern once and encodes the three layers, each with a
	// keyframe every 2 s, realtime settings as a browser would use.
	var graph strings.Builder
	fmt.Fprintf(&graph, "testsrc2=size=%dx%d:rate=%d,split=3[l0][l1][l2]", spec.Width, spec.Height, spec.FPS)
	for i := range 3 {
		w, h := spec.layerSize(i)
		fmt.Fprintf(&graph, ";[l%d]scale=%d:%d[o%d]", i, w, h, i)
	}
	args := []string{"-hide_banner", "-loglevel", "error", "-y", "-filter_complex", graph.String()}
	for i := range 3 {
		args = append(args, "-map", fmt.Sprintf("[o%d]", i), "-t", secs, "-c:v", "libvpx",
			"-deadline", "realtime", "-cpu-used", "8", "-b:v", fmt.Sprintf("%dk", spec.layerBitrate(i)),
			"-g", fmt.Sprint(2*spec.FPS), "-auto-alt-ref", "0", "-error-resilient", "1",
			filepath.Join(tmp, video[i]))
	}
	if err := runFFmpeg(ctx, ffmpeg, args); err != nil {
		return err
	}
	// One Opus packet per Ogg page, so that a page is a packet.
	if err := runFFmpeg(ctx, ffmpeg, []string{"-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.1:sample_rate=48000", "-t", secs,
		"-c:a", "libopus", "-b:a", "32k", "-frame_duration", "20", "-page_duration", "20000", "-ac", "1",
		filepath.Join(tmp, audio)}); err != nil {
		return err
	}
	for _, n := range append(video[:], audio) {
		if err := os.Rename(filepath.Join(tmp, n), filepath.Join(dir, n)); err != nil {
			return err
		}
	}
	return nil
}

func runFFmpeg(ctx context.Context, ffmpeg string, args []string) error {
	cmd := exec.CommandContext(ctx, ffmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ffmpeg %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func readIVF(path string) (VideoLayer, error) {
	f, err := os.Open(path)
	if err != nil {
		return VideoLayer{}, err
	}
	defer f.Close()
	r, hdr, err := ivfreader.NewWith(f)
	if err != nil {
		return VideoLayer{}, fmt.Errorf("read %s: %w", path, err)
	}
	l := VideoLayer{Width: int(hdr.Width), Height: int(hdr.Height)}
	p := &codecs.VP8Payloader{EnablePictureID: true}
	for {
		frame, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return VideoLayer{}, fmt.Errorf("read %s: %w", path, err)
		}
		if len(frame) == 0 {
			continue
		}
		// RFC 6386 section 9.1: bit 0 of the frame tag is 0 for a key frame.
		l.Frames = append(l.Frames, Frame{Packets: p.Payload(payloadMTU, frame), Keyframe: frame[0]&1 == 0})
	}
	if len(l.Frames) == 0 || !l.Frames[0].Keyframe {
		return VideoLayer{}, fmt.Errorf("read %s: no frames, or the first is not a keyframe", path)
	}
	return l, nil
}
