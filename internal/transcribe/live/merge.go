package live

import (
	"context"
	"strings"

	"visio/internal/transcribe"
)

// utteranceRecognizer keeps word-level answers (PocketSphinx gives one piece per word) as one
// segment per utterance: a caption per word would be unreadable, and the utterance's own times
// are exact. Sentence-level pieces (whisper's segments) pass through.
type utteranceRecognizer struct {
	transcribe.Recognizer
}

func (r utteranceRecognizer) Recognize(ctx context.Context, req transcribe.Request) (transcribe.Result, error) {
	res, err := r.Recognizer.Recognize(ctx, req)
	if err != nil || len(res.Pieces) < 2 {
		return res, err
	}
	for _, p := range res.Pieces {
		if len(strings.Fields(p.Text)) > 1 {
			return res, nil
		}
	}
	if strings.TrimSpace(res.Text) == "" {
		words := make([]string, len(res.Pieces))
		for i, p := range res.Pieces {
			words[i] = p.Text
		}
		res.Text = strings.Join(words, " ")
	}
	res.Pieces = nil
	return res, nil
}
