package transcribe

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"visio/internal/transcribe/diarize"
)

// FileParams configures File.
type FileParams struct {
	// Title names the transcript.
	Title string
	// Speakers is the number of speakers when known (0: estimate).
	Speakers int
	// Recognizer produces the text; nil gives a diarization-only transcript.
	Recognizer Recognizer
	// Language is passed to the recognizer (default "fr").
	Language string
	// Concurrency bounds simultaneous recognizer calls (default 2).
	Concurrency int
	// MaxTurn splits longer speaker turns before recognition (default 25 s).
	MaxTurn time.Duration
}

// File diarizes 16 kHz mono audio and, with a recognizer, transcribes every speaker turn. It
// returns the transcript and the diarization. Without a recognizer the transcript's segments
// have no text and its Notice says that transcription is unavailable.
func File(ctx context.Context, samples []float32, p FileParams) (Transcript, diarize.Result, error) {
	if p.Language == "" {
		p.Language = "fr"
	}
	if p.Concurrency <= 0 {
		p.Concurrency = 2
	}
	if p.MaxTurn <= 0 {
		p.MaxTurn = 25 * time.Second
	}
	tr := Transcript{Title: p.Title, Language: p.Language, Duration: time.Duration(len(samples)) * time.Second / rate}
	dia, err := diarize.Diarize(samples, diarize.Params{Speakers: p.Speakers})
	if err != nil {
		return tr, dia, fmt.Errorf("diarize: %w", err)
	}
	segs := turnsToSegments(dia.Turns, p.MaxTurn)
	if p.Recognizer == nil {
		tr.Notice = ErrUnavailable.Error() + "; speaker turns only (diarization)"
		tr.Segments = segs
		return tr, dia, nil
	}
	tr.Recognizer = p.Recognizer.Name()
	results := make([][]Segment, len(segs))
	errs := make([]error, len(segs))
	sem := make(chan struct{}, p.Concurrency)
	var wg sync.WaitGroup
	for i, s := range segs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			lo, hi := sampleAt(s.Start, len(samples)), sampleAt(s.End, len(samples))
			res, err := p.Recognizer.Recognize(ctx, Request{Samples: samples[lo:hi], Language: p.Language})
			if err != nil {
				errs[i] = err
				return
			}
			results[i] = splitResult(s, res)
		}()
	}
	wg.Wait()
	for i, e := range errs {
		if e != nil {
			return tr, dia, fmt.Errorf("%w: turn at %v: %w", ErrRecognizer, segs[i].Start, e)
		}
		tr.Segments = append(tr.Segments, results[i]...)
	}
	return tr, dia, nil
}

const rate = 16000

func sampleAt(d time.Duration, n int) int {
	return max(0, min(n, int(d*rate/time.Second)))
}

// speakerLabel names diarized speakers as pyannote does.
func speakerLabel(i int) string { return fmt.Sprintf("SPEAKER_%02d", i) }

// turnsToSegments joins a speaker's turns separated by less than half a second and splits
// turns longer than maxTurn, so each segment is one recognizer request.
func turnsToSegments(turns []diarize.Turn, maxTurn time.Duration) []Segment {
	var out []Segment
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	for _, t := range turns {
		s := Segment{Speaker: speakerLabel(t.Speaker), Start: sec(t.Start), End: sec(t.End)}
		if n := len(out); n > 0 && out[n-1].Speaker == s.Speaker && s.Start-out[n-1].End < 500*time.Millisecond &&
			s.End-out[n-1].Start <= maxTurn {
			out[n-1].End = s.End
			continue
		}
		for s.End-s.Start > maxTurn {
			out = append(out, Segment{Speaker: s.Speaker, Start: s.Start, End: s.Start + maxTurn})
			s.Start += maxTurn
		}
		out = append(out, s)
	}
	return out
}

// splitResult turns a recognizer result for segment s into segments: one per timed piece when
// there are several, otherwise one with the whole text.
func splitResult(s Segment, res Result) []Segment {
	if len(res.Pieces) < 2 {
		s.Text = strings.TrimSpace(res.Text)
		return []Segment{s}
	}
	out := make([]Segment, 0, len(res.Pieces))
	for _, p := range res.Pieces {
		text := strings.TrimSpace(p.Text)
		if text == "" {
			continue
		}
		start := min(s.End, s.Start+max(0, p.Start))
		end := min(s.End, max(start, s.Start+p.End))
		out = append(out, Segment{Speaker: s.Speaker, Start: start, End: end, Text: text})
	}
	return out
}
