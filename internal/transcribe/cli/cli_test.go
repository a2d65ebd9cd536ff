package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"visio/internal/transcribe/speechtest"

	"visio/internal/transcribe/diarize"
	"visio/internal/transcribe/rttm"
	"visio/internal/transcribe/score"
)

func speechDir(t testing.TB) string { return speechtest.Dir(t) }

// TestPyannoteSampleDER guards the documented figure: DER at most 20% with the speaker count
// given and no collar.
func TestPyannoteSampleDER(t *testing.T) {
	dir := filepath.Join(speechDir(t), "diarization")
	ref, err := readTurns(filepath.Join(dir, "pyannote-sample.rttm"))
	if err != nil {
		t.Fatal(err)
	}
	clip, err := readClip(filepath.Join(dir, "pyannote-sample.wav"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := diarize.Diarize(clip.Samples, diarize.Params{Speakers: 2})
	if err != nil {
		t.Fatal(err)
	}
	d := score.ScoreDER(ref, toTurns(res, "sample"), nil, score.DERParams{})
	t.Logf("DER %.1f%% (missed %.1f, false alarm %.1f, confusion %.1f s)", 100*d.Rate(), d.Missed, d.FalseAlarm, d.Confusion)
	if d.Rate() > 0.20 {
		t.Fatalf("DER %.1f%% above the 20%% goal", 100*d.Rate())
	}
}

func TestTranscribeCommandWithoutRecognizer(t *testing.T) {
	dir := speechDir(t)
	out := filepath.Join(t.TempDir(), "out.rttm")
	var stdout, stderr bytes.Buffer
	err := Transcribe(context.Background(), []string{"--recognizer", "none", "--format", "srt", "--rttm", out,
		filepath.Join(dir, "asr-fr", "fleurs-fr-000.ogg")}, &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	// The notice says what was chosen, not that nothing was configured.
	if !strings.Contains(stderr.String(), "--recognizer none: no speech recognition") || strings.Contains(stderr.String(), "configured") ||
		!strings.Contains(stdout.String(), "SPEAKER_00: [speech]") {
		t.Fatalf("stdout %q\nstderr %q", stdout.String(), stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	turns, err := rttm.Parse(f)
	if err != nil || len(turns) == 0 || turns[0].File != "fleurs-fr-000" {
		t.Fatalf("RTTM: %+v, %v", turns, err)
	}
}

func TestEvalDERCommand(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ref.rttm"), []byte("SPEAKER a 1 0 10 <NA> <NA> A <NA> <NA>\nSPEAKER a 1 10 10 <NA> <NA> B <NA> <NA>\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "hyp.rttm"), []byte("SPEAKER a 1 0 20 <NA> <NA> x <NA> <NA>\n"), 0o644)
	var stdout bytes.Buffer
	if err := Eval(context.Background(), []string{"der", filepath.Join(dir, "ref.rttm"), filepath.Join(dir, "hyp.rttm")}, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "50.0") {
		t.Fatalf("want 50%% DER:\n%s", stdout.String())
	}
}

// TestEvalDERMissingFile: a reference file with no hypothesis is scored as all missed, and said
// so on stderr.
func TestEvalDERMissingFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ref.rttm"), []byte("SPEAKER a 1 0 10 <NA> <NA> A <NA> <NA>\nSPEAKER b 1 0 10 <NA> <NA> B <NA> <NA>\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "hyp.rttm"), []byte("SPEAKER a 1 0 10 <NA> <NA> x <NA> <NA>\n"), 0o644)
	var stdout, stderr bytes.Buffer
	if err := Eval(context.Background(), []string{"der", filepath.Join(dir, "ref.rttm"), filepath.Join(dir, "hyp.rttm")}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), `file "b" is in the reference but not in the hypothesis`) || strings.Contains(stderr.String(), `"a"`) {
		t.Errorf("stderr %q: want a warning about b only", stderr.String())
	}
}

// TestEvalWERPairs: --pairs scores every X.hyp against X.txt with a total; a reference without
// hypothesis is reported and counted as all deleted.
func TestEvalWERPairs(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"one.txt": "the cat sat on the mat", "one.hyp": "the cat sat on a mat",
		"two.txt": "hello world", "two.hyp": "hello world",
		"three.txt": "nobody answered",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	if err := Eval(context.Background(), []string{"wer", "--pairs", dir}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	// 10 reference words: one substitution (one), two deletions (three).
	if !strings.Contains(out, "TOTAL") || !strings.Contains(out, "30.0") || !strings.Contains(out, "16.7") {
		t.Errorf("output:\n%s", out)
	}
	if !strings.Contains(stderr.String(), "three.txt has no hypothesis") {
		t.Errorf("stderr %q: want the missing hypothesis reported", stderr.String())
	}
	if err := Eval(context.Background(), []string{"wer", "--pairs", t.TempDir()}, &stdout, &stderr); err == nil {
		t.Error("--pairs on a directory without references: no error")
	}
}
