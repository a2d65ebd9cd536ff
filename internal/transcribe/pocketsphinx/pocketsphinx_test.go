package pocketsphinx

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"visio/internal/testenv"
	"visio/internal/transcribe"
	"visio/internal/transcribe/audio"
	"visio/internal/transcribe/score"
	"visio/internal/transcribe/speechtest"
)

// Debian's pocketsphinx-testdata: LibriVox read speech with transcripts.
const librivox = "/usr/share/pocketsphinx/test/data/librivox/"

func TestRecognizeLibriVox(t *testing.T) {
	if !Available {
		if _, err := New(Config{}); !errors.Is(err, ErrNotBuilt) {
			t.Fatalf("stub New: %v", err)
		}
		testenv.Missing(t, "built without -tags pocketsphinx (apt-get install pkg-config libpocketsphinx-dev pocketsphinx-en-us; make adds the tag)")
	}
	if testing.Short() {
		t.Skip("decoding takes seconds")
	}
	f, err := os.Open(testenv.File(t, librivox+"sense_and_sensibility_01_austen_64kb-0880.wav", "pocketsphinx-testdata"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	clip, err := audio.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := r.Recognize(context.Background(), transcribe.Request{Samples: clip.Samples, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	w := score.ScoreWER("he was not an ill disposed young man", res.Text)
	t.Logf("hyp %q, WER %.0f%%, %d timed words", res.Text, 100*w.Rate(), len(res.Pieces))
	if w.Rate() > 0.5 || len(res.Pieces) == 0 || !strings.Contains(res.Text, "young man") {
		t.Fatalf("hypothesis %q too far from the reference", res.Text)
	}
	if _, err := r.Recognize(context.Background(), transcribe.Request{Samples: clip.Samples, Language: "fr"}); !errors.Is(err, ErrLanguage) {
		t.Fatalf("French request: err = %v", err)
	}
}

// TestWordTimesPerRequest: word times are relative to each request's samples, however many
// requests one decoder served before (they ran on from the previous request's end, so every
// segment of a file after the first drifted by the length of those before it). Real speech from
// the shared recordings, one decoder: the same excerpt decoded after another gives the same
// times, within a frame or two (the decoder's noise estimate carries over).
func TestWordTimesPerRequest(t *testing.T) {
	if !Available {
		testenv.Missing(t, "built without -tags pocketsphinx (apt-get install pkg-config libpocketsphinx-dev pocketsphinx-en-us; make adds the tag)")
	}
	if testing.Short() {
		t.Skip("decoding takes seconds")
	}
	f, err := os.Open(filepath.Join(speechtest.Dir(t), "asr-en", "fleurs-en-000.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	clip, err := audio.ReadOgg(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	excerpt := clip.Samples[:min(len(clip.Samples), 4*audio.Rate)]
	length := time.Duration(len(excerpt)) * time.Second / audio.Rate
	r, err := New(Config{Decoders: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var runs [2]transcribe.Result
	for i := range runs {
		if runs[i], err = r.Recognize(context.Background(), transcribe.Request{Samples: excerpt, Language: "en"}); err != nil {
			t.Fatal(err)
		}
		if len(runs[i].Pieces) == 0 {
			t.Fatalf("run %d: no words recognized in %v of speech", i+1, length)
		}
		if last := runs[i].Pieces[len(runs[i].Pieces)-1]; last.End > length+100*time.Millisecond {
			t.Errorf("run %d: last word %q ends at %v, after the excerpt's end %v", i+1, last.Text, last.End, length)
		}
	}
	for i := 1; i < len(runs); i++ {
		if d := runs[i].Pieces[0].Start - runs[0].Pieces[0].Start; d > 50*time.Millisecond || d < -50*time.Millisecond {
			t.Errorf("run %d starts its first word %v after the first run's", i+1, d)
		}
	}
}
