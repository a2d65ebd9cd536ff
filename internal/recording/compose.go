package recording

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// ComposeParams say how to compose a recording.
type ComposeParams struct {
	// Dir is the recording's directory (its manifest and track files).
	Dir string
	// Out is the file to write; its extension should be .webm, or .ogg when AudioOnly.
	Out string
	// AudioOnly writes an Ogg/Opus file of the mixed audio (a podcast of the meeting).
	AudioOnly bool
	// Width, Height and FPS of the composed video (default 1280x720 at 25 fps).
	Width, Height, FPS int
	// FFmpeg is the ffmpeg program (default: "ffmpeg" found on PATH).
	FFmpeg string
	// Threads bounds ffmpeg's threads (default 2).
	Threads int
	// Font is the TrueType font of the names drawn on the tiles (default DefaultFont, from the
	// Debian package fonts-dejavu-core); without it the tiles have no names.
	Font string
}

// DefaultFont is the font of the names on the tiles.
const DefaultFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

// fontPath matches the font paths put in ffmpeg's filter graph as they are (no escaping).
var fontPath = regexp.MustCompile(`^[A-Za-z0-9/._-]+$`)

// Composed describes a composed file.
type Composed struct {
	File     string
	Duration time.Duration
	Size     int64
	// CPU is the CPU time ffmpeg used (user + system).
	CPU time.Duration
}

// FFmpegPath returns the ffmpeg program to use, or ErrNoFFmpeg.
func FFmpegPath(configured string) (string, error) {
	if configured == "" {
		configured = "ffmpeg"
	}
	p, err := exec.LookPath(configured)
	if err != nil {
		return "", fmt.Errorf("%w (%s)", ErrNoFFmpeg, configured)
	}
	return p, nil
}

// Duration returns how long a recording lasts: from its start to its end, or, after a crash,
// to the last write of any of its files.
func Duration(dir string, m *Manifest) time.Duration {
	if !m.EndedAt.IsZero() {
		return m.EndedAt.Sub(m.StartedAt)
	}
	var last time.Time
	for _, t := range m.Tracks {
		if fi, err := os.Stat(filepath.Join(dir, t.File)); err == nil && fi.ModTime().After(last) {
			last = fi.ModTime()
		}
	}
	if last.Before(m.StartedAt) {
		return 0
	}
	return last.Sub(m.StartedAt)
}

// recoverEnds completes the track ends of a recording a crash interrupted: the manifest has
// them as of its last flush (flushEvery before the crash at worst); a track whose file was
// written later than that ends at its file's last write.
func recoverEnds(dir string, m *Manifest) {
	for i, t := range m.Tracks {
		fi, err := os.Stat(filepath.Join(dir, t.File))
		if err != nil {
			continue
		}
		if end := fi.ModTime().Sub(m.StartedAt).Milliseconds(); end > t.EndMS && end > t.OffsetMS {
			m.Tracks[i].EndMS = end
		}
	}
}

// Compose writes the recording in p.Dir as one file, with ffmpeg: the cameras in a grid (the
// screen share on the main stage), every participant's audio mixed at its offset. It is bounded
// by ctx; give it a deadline.
func Compose(ctx context.Context, p ComposeParams) (*Composed, error) {
	ffmpeg, err := FFmpegPath(p.FFmpeg)
	if err != nil {
		return nil, err
	}
	m, err := ReadManifest(p.Dir)
	if err != nil {
		return nil, err
	}
	dur := Duration(p.Dir, m)
	if m.EndedAt.IsZero() {
		recoverEnds(p.Dir, m)
	}
	if len(m.Tracks) == 0 || dur <= 0 {
		return nil, ErrNothingRecorded
	}
	labels, err := writeLabels(p, m)
	if err != nil {
		return nil, err
	}
	defer removeLabels(p.Dir, labels)
	args := composeArgs(p, m, dur, labels)
	tmp, err := filepath.Abs(p.Out + ".part" + filepath.Ext(p.Out))
	if err != nil {
		return nil, err
	}
	args = append(args, tmp)
	cmd := exec.CommandContext(ctx, ffmpeg, args...)
	cmd.Dir = p.Dir // where the labels are
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		_ = os.Remove(tmp)
		msg := stderr.String()
		if len(msg) > 2000 {
			msg = msg[len(msg)-2000:]
		}
		return nil, fmt.Errorf("compose %s: ffmpeg: %w: %s", m.ID, err, strings.TrimSpace(msg))
	}
	if err := os.Rename(tmp, p.Out); err != nil {
		return nil, fmt.Errorf("compose %s: %w", m.ID, err)
	}
	fi, err := os.Stat(p.Out)
	if err != nil {
		return nil, err
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return &Composed{File: p.Out, Duration: dur, Size: fi.Size(), CPU: cpu}, nil
}

// tileKey names the tile a video track is shown in: a participant's camera, or one screen share.
func tileKey(t Track) string {
	if t.Source == "screen" {
		return "screen:" + t.ID
	}
	return "camera:" + t.Participant
}

// writeLabels writes, for each tile, the name to draw on it into a file of p.Dir (ffmpeg's
// drawtext reads it as it is: a name needs no escaping), and returns the files by tile. None
// without a font, or for an audio-only composition.
func writeLabels(p ComposeParams, m *Manifest) (map[string]string, error) {
	font := p.Font
	if font == "" {
		font = DefaultFont
	}
	if p.AudioOnly || m.AudioOnly || !fontPath.MatchString(font) {
		return nil, nil
	}
	if _, err := os.Stat(font); err != nil {
		return nil, nil
	}
	labels := map[string]string{}
	for _, t := range m.Tracks {
		k := tileKey(t)
		name := strings.TrimSpace(m.participantName(t.Participant))
		if t.Kind != "video" || name == "" || labels[k] != "" {
			continue
		}
		file := fmt.Sprintf(".label-%d.txt", len(labels))
		if err := os.WriteFile(filepath.Join(p.Dir, file), []byte(name), 0o640); err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
		labels[k] = file
	}
	return labels, nil
}

func removeLabels(dir string, labels map[string]string) {
	for _, f := range labels {
		_ = os.Remove(filepath.Join(dir, f))
	}
}

// composeArgs builds ffmpeg's command line (without the output file), to run in p.Dir.
func composeArgs(p ComposeParams, m *Manifest, dur time.Duration, labels map[string]string) []string {
	w, h, fps := p.Width, p.Height, p.FPS
	if w <= 0 || h <= 0 {
		w, h = 1280, 720
	}
	if fps <= 0 {
		fps = 25
	}
	threads := p.Threads
	if threads <= 0 {
		threads = 2
	}
	secs := fmt.Sprintf("%.3f", dur.Seconds())
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-threads", fmt.Sprint(threads)}
	var graph []string
	var audio []string
	video := !p.AudioOnly && !m.AudioOnly
	var cams, screens []string
	seen := map[string]bool{}
	tileOf := tileKey
	font := p.Font
	if font == "" {
		font = DefaultFont
	}
	in := 0
	for _, t := range m.Tracks {
		if t.Kind == "video" && !video {
			continue
		}
		if t.Kind == "video" {
			k := tileOf(t)
			if !seen[k] {
				seen[k] = true
				if t.Source == "screen" {
					screens = append(screens, k)
				} else {
					cams = append(cams, k)
				}
			}
		}
	}
	// The cameras are in a grid while nothing is shared and nobody has spoken yet, and in a
	// column beside the stage while a screen is shared (the share's span from the manifest; to
	// the end when unknown) or someone speaks: the speaker's camera is then on the stage too.
	const speakerStage = "stage:speaker"
	grid, stage := layout(w, h, cams, nil), layout(w, h, cams, append(append([]string{}, screens...), speakerStage))
	withCamera := map[string]bool{}
	for _, c := range cams {
		withCamera[strings.TrimPrefix(c, "camera:")] = true
	}
	speakers := map[string][][2]float64{}
	if len(cams) > 1 {
		speakers = speakerSpans(m, withCamera, dur.Seconds())
	}
	var spoken [][2]float64
	for _, v := range speakers {
		spoken = append(spoken, v...)
	}
	var spans []string
	for _, t := range m.Tracks {
		if t.Kind == "video" && t.Source == "screen" {
			end := dur.Seconds()
			if t.EndMS > t.OffsetMS {
				end = float64(t.EndMS) / 1000
			}
			spans = append(spans, fmt.Sprintf("between(t\\,%.3f\\,%.3f)", float64(t.OffsetMS)/1000, end))
		}
	}
	sharing := "gt(" + strings.Join(spans, "+") + "\\,0)"
	column := ""
	switch {
	case len(spans) > 0 && len(spoken) > 0:
		column = "gt(" + strings.Join(spans, "+") + "+" + spansExpr(spoken) + "\\,0)"
	case len(spans) > 0:
		column = sharing
	case len(spoken) > 0:
		column = "gt(" + spansExpr(spoken) + "\\,0)"
	}
	last := "base"
	if video {
		graph = append(graph, fmt.Sprintf("color=c=black:s=%dx%d:r=%d:d=%s[base]", w, h, fps, secs))
	}
	// place scales input stream src into tile r, with the name in labels[tile] drawn at the
	// picture's bottom left, and overlays it on the picture so far, when enable holds ("" always).
	place := func(src, name string, r rect, enable, tile string) {
		text := ""
		if f := labels[tile]; f != "" {
			fs := max(12, r.h/16)
			text = fmt.Sprintf(",drawtext=fontfile=%s:textfile=%s:expansion=none:fontsize=%d:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=%d:x=%d:y=h-th-%d",
				font, f, fs, fs/3, fs/2+fs/3, fs/2+fs/3)
		}
		graph = append(graph, fmt.Sprintf("%sscale=%d:%d:force_original_aspect_ratio=decrease%s,pad=%d:%d:(ow-iw)/2:(oh-ih)/2,setsar=1[v%s]",
			src, r.w, r.h, text, r.w, r.h, name))
		opt := ""
		if enable != "" {
			opt = ":enable=" + enable
		}
		graph = append(graph, fmt.Sprintf("[%s][v%s]overlay=%d:%d:eof_action=pass:repeatlast=0%s[o%s]", last, name, r.x, r.y, opt, name))
		last = "o" + name
	}
	for _, t := range m.Tracks {
		if t.Kind == "video" && !video {
			continue
		}
		args = append(args, "-i", "./"+t.File) // in p.Dir
		off := fmt.Sprintf("%.3f", float64(t.OffsetMS)/1000)
		switch {
		case t.Kind == "audio":
			graph = append(graph, fmt.Sprintf("[%d:a]aresample=48000,adelay=%d:all=1[a%d]", in, t.OffsetMS, in))
			audio = append(audio, fmt.Sprintf("[a%d]", in))
		case t.Source == "screen":
			place(fmt.Sprintf("[%d:v]setpts=PTS-STARTPTS+%s/TB,", in, off), fmt.Sprint(in), stage[tileOf(t)], "", tileOf(t))
		case column == "":
			place(fmt.Sprintf("[%d:v]setpts=PTS-STARTPTS+%s/TB,", in, off), fmt.Sprint(in), grid[tileOf(t)], "", tileOf(t))
		default:
			talk := speakers[t.Participant]
			outs := fmt.Sprintf("[g%d][s%d]", in, in)
			if len(talk) > 0 {
				outs += fmt.Sprintf("[k%d]", in)
			}
			graph = append(graph, fmt.Sprintf("[%d:v]setpts=PTS-STARTPTS+%s/TB,split=%d%s", in, off, 2+min(len(talk), 1), outs))
			place(fmt.Sprintf("[g%d]", in), fmt.Sprintf("%dg", in), grid[tileOf(t)], "not("+column+")", tileOf(t))
			place(fmt.Sprintf("[s%d]", in), fmt.Sprintf("%ds", in), stage[tileOf(t)], column, tileOf(t))
			if len(talk) > 0 {
				on := "gt(" + spansExpr(talk) + "\\,0)"
				if len(spans) > 0 {
					on = "not(" + sharing + ")*" + on
				}
				place(fmt.Sprintf("[k%d]", in), fmt.Sprintf("%dk", in), stage[speakerStage], on, tileOf(t))
			}
		}
		in++
	}
	switch len(audio) {
	case 0:
		graph = append(graph, fmt.Sprintf("anullsrc=r=48000:cl=stereo:d=%s[aout]", secs))
	case 1:
		graph = append(graph, audio[0]+"apad[aout]")
	default:
		graph = append(graph, fmt.Sprintf("%samix=inputs=%d:duration=longest:normalize=0,apad[aout]", strings.Join(audio, ""), len(audio)))
	}
	if video {
		graph = append(graph, "["+last+"]format=yuv420p[vout]")
	}
	args = append(args, "-filter_complex", strings.Join(graph, ";"), "-map", "[aout]")
	if video {
		args = append(args, "-map", "[vout]", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8",
			"-b:v", "1500k", "-g", fmt.Sprint(fps*4), "-r", fmt.Sprint(fps))
	}
	args = append(args, "-c:a", "libopus", "-b:a", "64k", "-t", secs)
	if video {
		args = append(args, "-f", "webm")
	} else {
		args = append(args, "-f", "ogg")
	}
	return args
}
