package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"visio/internal/transcribe"
	"visio/internal/transcribe/openai"
	"visio/internal/transcribe/pocketsphinx"
)

// recognizerFlags are the flags that choose a recognizer, shared by transcribe and eval.
type recognizerFlags struct {
	kind     string
	url      string
	model    string
	language string
	timeout  time.Duration
}

func (r *recognizerFlags) register(fs *flag.FlagSet, defaultLang string) {
	fs.StringVar(&r.kind, "recognizer", "auto", "none, local (pocketsphinx, English only), openai, or auto (openai with --url, else local for English, else none)")
	fs.StringVar(&r.url, "url", "", "base URL of an OpenAI-compatible transcription server (API key from $VISIO_ASR_API_KEY)")
	fs.StringVar(&r.model, "model", "", "model name for the OpenAI-compatible server (default whisper-1)")
	fs.StringVar(&r.language, "language", defaultLang, "spoken language (ISO 639-1)")
	fs.DurationVar(&r.timeout, "timeout", 60*time.Second, "timeout of one recognizer request")
}

// build returns the chosen recognizer, nil for none, and a closer. It writes a plain notice to
// stderr when transcription is unavailable.
func (r *recognizerFlags) build(stderr io.Writer) (transcribe.Recognizer, func(), error) {
	kind, chosen := r.kind, r.kind != "auto"
	if kind == "auto" {
		switch {
		case r.url != "":
			kind = "openai"
		case pocketsphinx.Available && r.language == "en":
			kind = "local"
		default:
			kind = "none"
		}
	}
	switch kind {
	case "none":
		why := "no recognizer configured (use --url for an OpenAI-compatible server"
		if pocketsphinx.Available {
			why += ", or --language en for the local English recognizer)"
		} else {
			why += "; this binary has no local recognizer)"
		}
		if chosen {
			fmt.Fprintln(stderr, "visio: --recognizer none: no speech recognition; writing speaker turns only")
		} else {
			fmt.Fprintf(stderr, "visio: %v: %s; writing speaker turns only\n", transcribe.ErrUnavailable, why)
		}
		return nil, func() {}, nil
	case "local":
		rec, err := pocketsphinx.New(pocketsphinx.Config{})
		if err != nil {
			return nil, nil, err
		}
		return rec, rec.Close, nil
	case "openai":
		rec, err := openai.New(openai.Config{BaseURL: r.url, Model: r.model, Language: r.language,
			APIKey: os.Getenv("VISIO_ASR_API_KEY"), Timeout: r.timeout}, nil)
		if err != nil {
			return nil, nil, err
		}
		return rec, func() {}, nil
	}
	return nil, nil, fmt.Errorf("unknown recognizer %q (want none, local, openai or auto)", r.kind)
}
