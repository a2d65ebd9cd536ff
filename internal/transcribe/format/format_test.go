package format

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"visio/internal/transcribe"
)

func sample() *transcribe.Transcript {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	return &transcribe.Transcript{
		Title: "Réunion <budget>", Language: "fr", Recognizer: "openai:whisper", Duration: ms(3723500),
		Segments: []transcribe.Segment{
			{Speaker: "alice", Start: ms(1000), End: ms(2500), Text: "Bonjour à tous."},
			{Speaker: "alice", Start: ms(2600), End: ms(4000), Text: "On commence --> maintenant & vite <b>"},
			{Speaker: "bob", Start: ms(3723000), End: ms(3723000), Text: "Merci."},
		},
	}
}

var vttTiming = regexp.MustCompile(`^(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3}) --> (\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})$`)
var srtTiming = regexp.MustCompile(`^(\d{2}):([0-5]\d):([0-5]\d),(\d{3}) --> (\d{2}):([0-5]\d):([0-5]\d),(\d{3})$`)

func parseTimes(t *testing.T, m []string) (time.Duration, time.Duration) {
	t.Helper()
	n := func(s string) time.Duration { v, _ := strconv.Atoi(s); return time.Duration(v) }
	a := n(m[1])*time.Hour + n(m[2])*time.Minute + n(m[3])*time.Second + n(m[4])*time.Millisecond
	b := n(m[5])*time.Hour + n(m[6])*time.Minute + n(m[7])*time.Second + n(m[8])*time.Millisecond
	return a, b
}

// validateVTT checks the WebVTT rules players enforce: the signature, blank-line separated
// blocks, a timing line per cue with end after start, cue payloads free of "-->", and voice
// spans closed by ">".
func validateVTT(t *testing.T, s string) int {
	t.Helper()
	if !strings.HasPrefix(s, "WEBVTT\n") {
		t.Fatalf("missing WEBVTT signature: %q", s[:min(20, len(s))])
	}
	cues := 0
	var last time.Duration
	for _, block := range strings.Split(strings.TrimSpace(s), "\n\n")[1:] {
		lines := strings.Split(block, "\n")
		if lines[0] == "NOTE" || strings.HasPrefix(lines[0], "NOTE ") {
			if strings.Contains(block, "-->") {
				t.Fatalf("NOTE block contains -->: %q", block)
			}
			continue
		}
		m := vttTiming.FindStringSubmatch(lines[0])
		if m == nil {
			t.Fatalf("bad cue timing line %q", lines[0])
		}
		a, b := parseTimes(t, m)
		if b <= a || a < last {
			t.Fatalf("cue times %v --> %v after %v", a, b, last)
		}
		last = a
		for _, l := range lines[1:] {
			if strings.Contains(l, "-->") || l == "" {
				t.Fatalf("bad payload line %q", l)
			}
			if strings.HasPrefix(l, "<v ") && !strings.Contains(l, ">") {
				t.Fatalf("unclosed voice span %q", l)
			}
		}
		cues++
	}
	return cues
}

func validateSRT(t *testing.T, s string) int {
	t.Helper()
	blocks := strings.Split(strings.TrimSpace(s), "\n\n")
	for i, block := range blocks {
		lines := strings.Split(block, "\n")
		if len(lines) < 3 || lines[0] != strconv.Itoa(i+1) {
			t.Fatalf("block %d: %q", i+1, block)
		}
		m := srtTiming.FindStringSubmatch(lines[1])
		if m == nil {
			t.Fatalf("bad SRT timing %q", lines[1])
		}
		if a, b := parseTimes(t, m); b <= a {
			t.Fatalf("SRT cue %d ends before it starts", i+1)
		}
	}
	return len(blocks)
}

func TestWebVTT(t *testing.T) {
	for _, tr := range []*transcribe.Transcript{sample(), {Notice: "transcription unavailable --> diarization only", Segments: []transcribe.Segment{{Speaker: "SPEAKER_00", End: time.Second}}}} {
		var b bytes.Buffer
		if err := WebVTT(&b, tr); err != nil {
			t.Fatal(err)
		}
		if got := validateVTT(t, b.String()); got != len(tr.Segments) {
			t.Fatalf("%d cues, want %d\n%s", got, len(tr.Segments), b.String())
		}
	}
	var b bytes.Buffer
	WebVTT(&b, sample())
	for _, want := range []string{"00:00:01.000 --> 00:00:02.500\n<v alice>Bonjour à tous.", "&amp; vite &lt;b&gt;", "01:02:03.000 --> 01:02:03.001"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("WebVTT lacks %q:\n%s", want, b.String())
		}
	}
}

func TestSRT(t *testing.T) {
	var b bytes.Buffer
	if err := SRT(&b, sample()); err != nil {
		t.Fatal(err)
	}
	if got := validateSRT(t, b.String()); got != 3 {
		t.Fatalf("%d cues", got)
	}
	if !strings.Contains(b.String(), "1\n00:00:01,000 --> 00:00:02,500\nalice: Bonjour à tous.\n") {
		t.Fatalf("unexpected SRT:\n%s", b.String())
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, sample()); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Speakers []string
		Segments []struct {
			Speaker    string
			Start, End float64
			Text       string
		}
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.Speakers) != "[alice bob]" || got.Segments[0].Start != 1 || got.Segments[0].End != 2.5 {
		t.Fatalf("got %+v", got)
	}
}

func TestMinutes(t *testing.T) {
	var md, html bytes.Buffer
	if err := Markdown(&md, sample()); err != nil {
		t.Fatal(err)
	}
	if err := HTML(&html, sample()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Réunion &lt;budget&gt;", "- alice: 00:00:02 (100%)", "**[00:00:01] alice:** Bonjour à tous. On commence", "**[01:02:03] bob:** Merci."} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md.String())
		}
	}
	for _, want := range []string{"<title>Réunion &lt;budget&gt;</title>", "<strong>alice:</strong>", "&amp; vite &lt;b&gt;"} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("HTML lacks %q:\n%s", want, html.String())
		}
	}
	if err := Write(&md, "docx", sample()); err == nil {
		t.Fatal("unknown format accepted")
	}
}
