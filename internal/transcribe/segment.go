package transcribe

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// Segment is one stretch of one speaker's speech.
type Segment struct {
	// Speaker is who spoke: a participant ID in meetings, a label such as SPEAKER_00 from
	// diarization.
	Speaker string
	// Start and End are positions on the meeting's clock (from the start of the recording for
	// files).
	Start, End time.Duration
	// Text is what was said; empty when no recognizer ran.
	Text string
}

// Transcript is a whole meeting's or recording's transcript.
type Transcript struct {
	// Title names the meeting or file.
	Title string
	// Language is the language asked of the recognizer (BCP 47, e.g. "fr").
	Language string
	// Recognizer names the engine that produced the text; empty when there was none.
	Recognizer string
	// Notice is a message for readers, such as why there is no text.
	Notice string
	// Duration is the length of the audio.
	Duration time.Duration
	// Segments are sorted by start time.
	Segments []Segment
}

// Speakers returns the distinct speakers in order of first appearance.
func (t *Transcript) Speakers() []string {
	var out []string
	for _, s := range t.Segments {
		if !slices.Contains(out, s.Speaker) {
			out = append(out, s.Speaker)
		}
	}
	return out
}

// Sort orders segments by start time, then speaker.
func (t *Transcript) Sort() {
	slices.SortStableFunc(t.Segments, func(a, b Segment) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.Speaker, b.Speaker))
	})
}

// Recognizer turns one utterance of speech into text. Implementations must be safe for
// concurrent use; they bound their own concurrency.
type Recognizer interface {
	// Recognize transcribes 16 kHz mono samples in [-1, 1].
	Recognize(ctx context.Context, req Request) (Result, error)
	// Name describes the engine for transcripts and logs, e.g. "openai:whisper-1".
	Name() string
}

// Request is one utterance to recognize.
type Request struct {
	// Samples is 16 kHz mono audio.
	Samples []float32
	// Language is a BCP 47 language code ("fr", "en"); empty lets the engine decide.
	Language string
}

// Result is a recognizer's answer.
type Result struct {
	// Text is the whole utterance's text.
	Text string
	// Pieces are timed parts of the text (segments or words), times relative to the start of the
	// request's audio; may be empty.
	Pieces []Piece
}

// Piece is a timed part of a Result.
type Piece struct {
	// Start and End are relative to the request's first sample.
	Start, End time.Duration
	// Text is the piece's text.
	Text string
}
