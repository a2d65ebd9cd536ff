package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"

	"visio/internal/client"
	"visio/internal/transcribe/archive"
	"visio/internal/transcribe/audio"
)

// countingWhisper is an OpenAI-compatible transcription server answering each utterance with
// its number.
type countingWhisper struct {
	mu sync.Mutex
	n  int
}

func (c *countingWhisper) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	defer file.Close()
	clip, err := audio.ReadWAV(file)
	if err != nil {
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	d := time.Duration(len(clip.Samples)) * time.Second / audio.Rate
	c.mu.Lock()
	c.n++
	n := c.n
	c.mu.Unlock()
	fmt.Fprintf(w, `{"text":"énoncé %d","segments":[{"start":0,"end":%.3f,"text":"énoncé %d"}]}`, n, d.Seconds(), n)
}

// TestTranscriptKilled measures what a running transcript loses when the server is killed
// (kill -9): a real `visio serve` process transcribes a participant saying real speech (a fake
// OpenAI-compatible recognizer numbers the utterances), and is killed just after a caption
// arrives. The transcript on disk, recovered as the next start does, must be readable, ended,
// and hold a prefix of the captions; what it lacks is the loss (docs/OPERATIONS.md).
func TestTranscriptKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("speaks for about 10 s")
	}
	bin := visioBinary(t)
	whisper := httptest.NewServer(&countingWhisper{})
	defer whisper.Close()
	dataDir := t.TempDir()

	cmd := exec.Command(bin, "serve", "--http-addr", "127.0.0.1:0", "--udp-port", "0", "--tcp-port", "0", "--turn-port", "0", "--ice-loopback-only")
	cmd.Env = append(os.Environ(), "VISIO_STORE_DATA_DIR="+dataDir, "VISIO_TRANSCRIPTION_RECOGNIZER=openai",
		"VISIO_TRANSCRIPTION_OPENAI_BASE_URL="+whisper.URL, "VISIO_TRANSCRIPTION_LANGUAGE=fr", "VISIO_LOG_LEVEL=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = cmd.Process.Kill()
		}
		_ = cmd.Wait()
	})
	base := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "visio: listening on "); ok {
			base = u
			break
		}
	}
	if base == "" {
		t.Fatal("the server did not say where it listens")
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()

	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	owner, err := client.SignIn(ctx, base, "Alice", "alice@example.gouv.fr")
	if err != nil {
		t.Fatal(err)
	}
	code, err := client.CreateRoomWith(ctx, owner, base, "Crash", "public")
	if err != nil {
		t.Fatal(err)
	}
	a := joinSpeakerAs(t, api, base, code, "Alice", owner)
	defer a.close()
	a.control(t, `{"type":"captions","enabled":true}`)
	started := time.Now()
	a.control(t, `{"type":"transcription","action":"start"}`)
	eventually(t, 5*time.Second, "transcription on", a.transcriptionActive)

	// Speak the files one after the other, with pauses, and kill the server as soon as the
	// second caption arrives: the transcript is written whole when the first segment comes and
	// every 15 s, and each segment in between is appended to its journal.
	pkts := speechFiles(t)
	stop := make(chan struct{})
	spoke := make(chan struct{})
	go func() {
		defer close(spoke)
		next := time.Now()
		for _, p := range pkts {
			if p.data == nil {
				next = next.Add(time.Second)
			} else {
				_ = a.track.WriteSample(media.Sample{Data: p.data, Duration: p.dur})
				next = next.Add(p.dur)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Until(next)):
			}
		}
	}()
	eventually(t, 60*time.Second, "two captions", func() bool { return len(a.captions()) >= 2 })
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed = true
	close(stop)
	<-spoke
	_ = cmd.Wait()
	captions := a.captions()

	// The next start opens the store so: recovered, ended.
	store, err := archive.Open(archive.Params{Dir: filepath.Join(dataDir, "transcripts"), Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	list := store.List()
	if len(list) != 1 || list[0].Live {
		t.Fatalf("after the kill: %+v, want one ended transcript", list)
	}
	rec, err := store.Get(list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	// Every segment is appended to the transcript's journal as it is recognized
	// (archive.Store.Append), before its caption is sent: what was captioned is on disk. A
	// segment recognized between the last caption's arrival and the kill may be saved too.
	for i, c := range captions[:min(len(captions), len(rec.Segments))] {
		if rec.Segments[i].Text != c.Text {
			t.Fatalf("saved segment %d %q, caption %q: the transcript is not what was recognized", i, rec.Segments[i].Text, c.Text)
		}
	}
	lost := max(0, len(captions)-len(rec.Segments))
	var lostSpeech time.Duration
	for _, c := range captions[len(captions)-lost:] {
		lostSpeech += time.Duration(c.EndMS-c.StartMS) * time.Millisecond
	}
	t.Logf("metric: kill9_after=%v kill9_segments_captioned=%d kill9_segments_saved=%d kill9_lost_segments=%d kill9_lost_speech=%v",
		time.Since(started).Round(100*time.Millisecond), len(captions), len(rec.Segments), lost, lostSpeech)
	if lost > 0 {
		t.Errorf("the kill lost %d of the %d captioned segments (%v of speech)", lost, len(captions), lostSpeech)
	}
}
