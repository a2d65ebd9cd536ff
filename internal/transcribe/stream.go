package transcribe

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"visio/internal/transcribe/audio"
	"visio/internal/transcribe/vad"
)

// rtpClock is the RTP clock rate of Opus (RFC 7587 section 4.1).
const rtpClock = 48000

// StreamParams configures a Stream.
type StreamParams struct {
	// Participant is the speaker of every segment the stream produces.
	Participant string
	// Recognizer produces the text; required.
	Recognizer Recognizer
	// Language is passed to the recognizer (default "fr").
	Language string
	// Origin is the meeting-clock time of the stream's first sample.
	Origin time.Duration
	// Emit receives each segment, from Run's goroutine, in order.
	Emit func(Segment)
	// Logger receives warnings (default: discard).
	Logger *slog.Logger
	// Queue is how many utterances may wait for the recognizer before the oldest is dropped
	// (default 8).
	Queue int
	// VAD tunes voice detection.
	VAD vad.Params
}

// Stream transcribes one participant's audio live. Write methods are called from the track's
// reader; Run, on its own goroutine, sends utterances to the recognizer. Write methods allocate
// only when an utterance is handed over.
type Stream struct {
	p     StreamParams
	queue chan vad.Utterance

	mu      sync.Mutex // guards the following fields
	dec     *audio.OpusDecoder
	seg     *vad.Segmenter
	pcm     []float32
	started bool
	firstTS uint32
	closed  bool
	dropped int
}

// NewStream returns a live transcriber for one participant. It fails with ErrUnavailable when
// no recognizer is configured, so callers can tell users plainly.
func NewStream(p StreamParams) (*Stream, error) {
	if p.Recognizer == nil {
		return nil, ErrUnavailable
	}
	if p.Language == "" {
		p.Language = "fr"
	}
	if p.Queue <= 0 {
		p.Queue = 8
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	dec, err := audio.NewOpusDecoder()
	if err != nil {
		return nil, err
	}
	s := &Stream{p: p, queue: make(chan vad.Utterance, p.Queue), dec: dec, pcm: make([]float32, audio.MaxOpusFrame)}
	s.seg = vad.NewSegmenter(vad.SegmenterParams{VAD: p.VAD, Emit: s.enqueue})
	return s, nil
}

// enqueue hands an utterance to Run, dropping the oldest waiting one when the recognizer falls
// behind. Called with mu held.
func (s *Stream) enqueue(u vad.Utterance) {
	for {
		select {
		case s.queue <- u:
			return
		default:
		}
		select {
		case <-s.queue:
			s.dropped++
			if s.dropped&(s.dropped-1) == 0 { // 1, 2, 4, 8...: rate-limited warning
				s.p.Logger.Warn("transcription falling behind: utterances dropped", "participant", s.p.Participant, "dropped", s.dropped)
			}
		default:
		}
	}
}

// WriteRTP decodes one Opus RTP payload with its RTP timestamp (48 kHz clock). Timestamps place
// the audio on the stream's timeline: a jump forward (lost packets, discontinuous transmission)
// becomes silence, a packet from the past is ignored.
func (s *Stream) WriteRTP(timestamp uint32, payload []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if !s.started {
		s.started, s.firstTS = true, timestamp
	}
	pos := int64(timestamp-s.firstTS) * audio.Rate / rtpClock // uint32 difference handles wrap
	switch gap := pos - s.seg.Position(); {
	case gap < -int64(audio.Rate): // far in the past: a reordered or duplicated packet
		return nil
	case gap > int64(audio.Rate/50):
		s.seg.Skip(gap)
	}
	n, err := s.dec.Decode(payload, s.pcm)
	if err != nil {
		return err
	}
	s.seg.Write(s.pcm[:n])
	return nil
}

// WritePCM feeds decoded 16 kHz mono samples that follow the previous ones without a gap.
func (s *Stream) WritePCM(samples []float32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.seg.Write(samples)
	return nil
}

// Close flushes the utterance in progress and makes Run return once the queue is drained. It is
// safe to call more than once.
func (s *Stream) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.seg.Flush()
	s.closed = true
	close(s.queue)
}

// Run recognizes queued utterances and emits their segments until Close has been called and the
// queue is empty, or ctx is done. A recognizer error is logged and the utterance skipped: one
// failed request must not end a meeting's transcript.
func (s *Stream) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case u, ok := <-s.queue:
			if !ok {
				return nil
			}
			seg := s.segmentOf(u)
			res, err := s.p.Recognizer.Recognize(ctx, Request{Samples: u.Samples, Language: s.p.Language})
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				s.p.Logger.Warn("recognizer failed", "participant", s.p.Participant, "at", seg.Start, "err", err)
				continue
			}
			for _, out := range splitResult(seg, res) {
				if strings.TrimSpace(out.Text) != "" && s.p.Emit != nil {
					s.p.Emit(out)
				}
			}
		}
	}
}

func (s *Stream) segmentOf(u vad.Utterance) Segment {
	at := func(n int64) time.Duration { return s.p.Origin + time.Duration(n)*time.Second/audio.Rate }
	return Segment{Speaker: s.p.Participant, Start: at(u.Start), End: at(u.Start + int64(len(u.Samples)))}
}

// String describes the stream for logs.
func (s *Stream) String() string { return fmt.Sprintf("transcribe.Stream(%s)", s.p.Participant) }
