// Package format writes transcripts as JSON, WebVTT (W3C WebVTT, cues with <v> voice spans),
// SubRip (SRT) and readable minutes in Markdown or HTML (speakers, speaking times, text).
package format

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"visio/internal/transcribe"
)

// ErrUnknown is returned for a format name Write does not know.
var ErrUnknown = errors.New("format: unknown transcript format (want json, vtt, srt, md or html)")

// Names lists the formats Write accepts.
var Names = []string{"json", "vtt", "srt", "md", "html"}

// Write writes t in the named format.
func Write(w io.Writer, name string, t *transcribe.Transcript) error {
	switch name {
	case "json":
		return JSON(w, t)
	case "vtt":
		return WebVTT(w, t)
	case "srt":
		return SRT(w, t)
	case "md":
		return Markdown(w, t)
	case "html":
		return HTML(w, t)
	}
	return fmt.Errorf("%w: %q", ErrUnknown, name)
}

type jsonSegment struct {
	Speaker string  `json:"speaker"`
	Start   float64 `json:"start"`
	End     float64 `json:"end"`
	Text    string  `json:"text"`
}

type jsonTranscript struct {
	Title      string        `json:"title,omitempty"`
	Language   string        `json:"language,omitempty"`
	Recognizer string        `json:"recognizer,omitempty"`
	Notice     string        `json:"notice,omitempty"`
	Duration   float64       `json:"duration"`
	Speakers   []string      `json:"speakers"`
	Segments   []jsonSegment `json:"segments"`
}

// JSON writes the transcript as one JSON object; times are seconds with millisecond precision.
func JSON(w io.Writer, t *transcribe.Transcript) error {
	out := jsonTranscript{Title: t.Title, Language: t.Language, Recognizer: t.Recognizer, Notice: t.Notice,
		Duration: seconds(t.Duration), Speakers: t.Speakers(), Segments: []jsonSegment{}}
	if out.Speakers == nil {
		out.Speakers = []string{}
	}
	for _, s := range t.Segments {
		out.Segments = append(out.Segments, jsonSegment{s.Speaker, seconds(s.Start), seconds(s.End), s.Text})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func seconds(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

// clock formats d as HH:MM:SS plus sep and milliseconds.
func clock(d time.Duration, sep string) string {
	d = max(0, d)
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d%s%03d", ms/3600000, ms/60000%60, ms/1000%60, sep, ms%1000)
}

// cueText is a segment's text, or a placeholder when no recognizer ran.
func cueText(s transcribe.Segment) string {
	if strings.TrimSpace(s.Text) == "" {
		return "[speech]"
	}
	return strings.Join(strings.Fields(s.Text), " ")
}

// cueTimes returns the segment's times with end strictly after start, as players require.
func cueTimes(s transcribe.Segment) (time.Duration, time.Duration) {
	start := max(0, s.Start).Truncate(time.Millisecond)
	end := max(s.End.Truncate(time.Millisecond), start+time.Millisecond)
	return start, end
}

var vttEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "-->", "--&gt;")

// WebVTT writes a WebVTT file: one cue per segment, the speaker in a voice span.
func WebVTT(w io.Writer, t *transcribe.Transcript) error {
	var b strings.Builder
	b.WriteString("WEBVTT\n")
	if t.Notice != "" {
		b.WriteString("\nNOTE\n" + strings.ReplaceAll(vttEscaper.Replace(t.Notice), "\n\n", "\n") + "\n")
	}
	for _, s := range t.Segments {
		start, end := cueTimes(s)
		voice := strings.NewReplacer(">", "", "&", "and", "\n", " ").Replace(s.Speaker)
		fmt.Fprintf(&b, "\n%s --> %s\n<v %s>%s\n", clock(start, "."), clock(end, "."), voice, vttEscaper.Replace(cueText(s)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// SRT writes a SubRip file: numbered cues, "Speaker: text".
func SRT(w io.Writer, t *transcribe.Transcript) error {
	var b strings.Builder
	for i, s := range t.Segments {
		start, end := cueTimes(s)
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%d\n%s --> %s\n%s: %s\n", i+1, clock(start, ","), clock(end, ","), oneLine(s.Speaker), cueText(s))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
