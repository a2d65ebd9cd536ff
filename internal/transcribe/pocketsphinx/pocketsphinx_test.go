package pocketsphinx

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"visio/internal/transcribe"
	"visio/internal/transcribe/audio"
	"visio/internal/transcribe/score"
)

// Debian's pocketsphinx-testdata: LibriVox read speech with transcripts.
const librivox = "/usr/share/pocketsphinx/test/data/librivox/"

func TestRecognizeLibriVox(t *testing.T) {
	if !Available {
		if _, err := New(Config{}); !errors.Is(err, ErrNotBuilt) {
			t.Fatalf("stub New: %v", err)
		}
		t.Skip("built without -tags pocketsphinx")
	}
	if testing.Short() {
		t.Skip("decoding takes seconds")
	}
	f, err := os.Open(librivox + "sense_and_sensibility_01_austen_64kb-0880.wav")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pocketsphinx-testdata missing: %v", err)
		}
		t.Skip(err)
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
