package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"visio/internal/client"
	"visio/internal/config"
	"visio/internal/signal"
	"visio/internal/transcribe/audio"
)

// fakeWhisper is an OpenAI-compatible transcription server that checks every request and
// answers with the utterance's length.
type fakeWhisper struct {
	t        *testing.T
	mu       sync.Mutex
	requests int
	audio    time.Duration
}

func (f *fakeWhisper) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := f.t
	if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/transcriptions" {
		t.Errorf("request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	if got := r.Header.Get("Authorization"); got != "Bearer test-key" {
		t.Errorf("Authorization = %q", got)
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		t.Errorf("not multipart: %v", err)
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	for k, want := range map[string]string{"model": "whisper-large-v3", "language": "fr", "response_format": "verbose_json"} {
		if got := r.FormValue(k); got != want {
			t.Errorf("field %s = %q, want %q", k, got, want)
		}
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		t.Errorf("no file: %v", err)
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	defer file.Close()
	clip, err := audio.ReadWAV(file)
	if err != nil || len(clip.Samples) < audio.Rate/10 {
		t.Errorf("file is not a WAV utterance: %v", err)
	}
	d := time.Duration(len(clip.Samples)) * time.Second / audio.Rate
	f.mu.Lock()
	f.requests++
	f.audio += d
	n := f.requests
	f.mu.Unlock()
	fmt.Fprintf(w, `{"text":"énoncé %d","segments":[{"start":0,"end":%.3f,"text":"énoncé %d"}]}`, n, d.Seconds(), n)
}

// TestTranscriptionOpenAI runs a meeting of two headless participants sending real speech (Opus
// from Ogg files) with transcription on, against a fake OpenAI-compatible server: every segment
// goes to the right participant at the right time, captions reach those who asked, and the
// transcript is served in every format.
func TestTranscriptionOpenAI(t *testing.T) {
	fileA, fileB := speechFile(t, "asr-en/fleurs-en-003.ogg"), speechFile(t, "asr-en/fleurs-en-004.ogg")
	fake := &fakeWhisper{t: t}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	base := startServer(t, func(c *config.Config) {
		c.Transcription.Recognizer = "openai"
		c.Transcription.Language = "fr"
		c.Transcription.Dir = t.TempDir()
		c.Transcription.OpenAI.BaseURL = srv.URL
		c.Transcription.OpenAI.Model = "whisper-large-v3"
		c.Transcription.OpenAI.APIKey = "test-key"
	})
	run := runTranscribedMeeting(t, base, fileA, fileB)
	checkAttribution(t, run)

	fake.mu.Lock()
	requests, heard := fake.requests, fake.audio
	fake.mu.Unlock()
	if len(run.record.Segments) != requests {
		t.Errorf("%d segments from %d recognizer requests", len(run.record.Segments), requests)
	}
	spoken := run.windows[0][1] - run.windows[0][0] + run.windows[1][1] - run.windows[1][0]
	if heard < spoken/2 || heard > spoken+2*time.Second {
		t.Errorf("recognizer heard %v of speech, %v was sent", heard, spoken)
	}
	if len(run.captions) != len(run.record.Segments) {
		t.Errorf("%d captions, %d segments", len(run.captions), len(run.record.Segments))
	}
	for _, c := range run.captions {
		if !strings.HasPrefix(c.Text, "énoncé ") || c.EndMS <= c.StartMS {
			t.Errorf("caption %+v", c)
		}
	}
	t.Logf("metric: transcription_segments=%d audio_sent=%v audio_recognized=%v caption_latency=%v", requests, spoken, heard, run.latency.Round(time.Millisecond))

	id := run.record.ID
	for _, tc := range []struct{ format, contentType, contains string }{
		{"vtt", "text/vtt", "WEBVTT"},
		{"srt", "application/x-subrip", "Alice: énoncé"},
		{"md", "text/markdown", "Bob"},
		{"html", "text/html", "Alice"},
	} {
		resp, err := run.owner.Get(base + "/api/v1/transcripts/" + id + "?format=" + tc.format + "&download=1")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.contentType) ||
			!strings.Contains(string(body), tc.contains) || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("format %s: %s %q %q", tc.format, resp.Status, resp.Header.Get("Content-Type"), body)
		}
	}
	for _, path := range []string{"/api/v1/transcripts/" + id + "?format=doc", "/api/v1/transcripts/TS_000000000000", "/api/v1/transcripts/..%2f..%2fetc"} {
		resp, err := run.owner.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s", path, resp.Status)
		}
	}
}

// TestTranscriptionUnavailable: with no recognizer the welcome says so and a start is refused
// with a clear error.
func TestTranscriptionUnavailable(t *testing.T) {
	base := startServer(t)
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, err := client.CreateRoom(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	p := &speaker{participant: join(t, api, base, code, "Alice")}
	st := p.c.Welcome().Transcription
	if st.Available || st.Reason != "no_recognizer" || st.Active {
		t.Fatalf("welcome transcription = %+v", st)
	}
	p.control(t, `{"type":"transcription","action":"start"}`)
	eventually(t, 5*time.Second, "a transcription_unavailable error", func() bool {
		return p.sawEvent(func(m any) bool {
			e, ok := m.(*signal.ErrorMessage)
			return ok && e.Code == signal.CodeTranscriptionUnavailable && !e.Fatal
		})
	})
}
