//go:build pocketsphinx

package app

import (
	"os"
	"strings"
	"testing"

	"visio/internal/config"
	"visio/internal/transcribe/score"
)

// TestTranscriptionLocal runs the two-speaker meeting with the built-in English recognizer:
// each participant's words are attributed to them, and the text is close to what they said.
func TestTranscriptionLocal(t *testing.T) {
	fileA, fileB := speechFile(t, "asr-en/fleurs-en-003.ogg"), speechFile(t, "asr-en/fleurs-en-004.ogg")
	base := startServer(t, func(c *config.Config) {
		c.Transcription.Recognizer = "local"
		c.Transcription.Language = "en"
		c.Transcription.Dir = t.TempDir()
	})
	run := runTranscribedMeeting(t, base, fileA, fileB)
	checkAttribution(t, run)

	refs := [2]string{readText(t, strings.TrimSuffix(fileA, ".ogg")+".txt"), readText(t, strings.TrimSuffix(fileB, ".ogg")+".txt")}
	hyps := [2]string{transcriptText(run.record, run.a.c.ID()), transcriptText(run.record, run.b.c.ID())}
	for i, name := range []string{"alice", "bob"} {
		own, other := score.ScoreWER(refs[i], hyps[i]), score.ScoreWER(refs[1-i], hyps[i])
		t.Logf("metric: wer_%s=%.3f (%d words; against the other speaker's text %.3f) hyp=%q", name, own.Rate(), own.Words, other.Rate(), hyps[i])
		// PocketSphinx scores about 69% on these FLEURS sentences offline (docs/TRANSCRIPTION.md).
		if own.Rate() > 0.85 {
			t.Errorf("%s: WER %.2f, want at most 0.85", name, own.Rate())
		}
		if own.Rate() >= other.Rate() {
			t.Errorf("%s's text is not closer to what %s said (WER %.2f) than to the other speaker (%.2f)", name, name, own.Rate(), other.Rate())
		}
	}
	t.Logf("metric: caption_latency=%v", run.latency)
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
