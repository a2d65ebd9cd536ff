package live

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"visio/internal/routine"
	"visio/internal/transcribe"
)

const (
	// maxPacket is the largest RTP payload kept (an Opus packet is at most 1275 bytes, RFC 6716).
	maxPacket = 1500
	// queuedPackets is how many packets per track may wait for decoding (1.28 s of 20 ms frames);
	// more are dropped rather than slowing forwarding.
	queuedPackets = 64
	// idleFlush is how long without audio before the utterance in progress is recognized.
	idleFlush = 800 * time.Millisecond
)

// SessionParams configures a Session.
type SessionParams struct {
	// Recognizer turns utterances into text; required.
	Recognizer transcribe.Recognizer
	// Language is asked of the recognizer (default "fr").
	Language string
	// Origin is the meeting clock's zero: segment times are measured from it.
	Origin time.Time
	// Emit receives every recognized segment; Speaker is the participant ID. It is called from
	// the tracks' goroutines, possibly concurrently for different participants, in order for
	// each one.
	Emit func(transcribe.Segment)
	// Logger receives warnings (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now); tests inject theirs.
	Now func() time.Time
}

// Session transcribes the audio tracks of one meeting from Start until Close.
type Session struct {
	p     SessionParams
	group *routine.Group // the feeds' goroutines; its context, for the recognizer calls, is cancelled when Close gives up waiting

	mu     sync.RWMutex // guards the following fields
	feeds  map[string]*feed
	closed bool
}

// NewSession returns a session ready to receive audio through Tap. It fails with
// transcribe.ErrUnavailable without a recognizer.
func NewSession(p SessionParams) (*Session, error) {
	if p.Recognizer == nil {
		return nil, transcribe.ErrUnavailable
	}
	if p.Language == "" {
		p.Language = "fr"
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Origin.IsZero() {
		p.Origin = p.Now()
	}
	return &Session{p: p, group: routine.NewGroup(context.Background()), feeds: make(map[string]*feed)}, nil
}

// packet is one copied RTP payload.
type packet struct {
	ts  uint32
	n   int
	buf [maxPacket]byte
}

// feed is one audio track being transcribed.
type feed struct {
	participant string
	stream      *transcribe.Stream
	free        chan *packet
	full        chan *packet
	stop        chan struct{}
	flush       chan struct{}
	dropped     atomic.Int64
}

// Tap receives one audio packet; its signature is sfu.AudioTap. It copies the payload and
// returns at once; it allocates only for the first packet of a track.
func (s *Session) Tap(participantID, trackID string, ts uint32, payload []byte) {
	if len(payload) > maxPacket {
		return
	}
	s.mu.RLock()
	f, closed := s.feeds[trackID], s.closed
	if f != nil && !closed {
		s.push(f, ts, payload)
	}
	s.mu.RUnlock()
	if f != nil || closed {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if f = s.feeds[trackID]; f == nil {
		var err error
		if f, err = s.startFeed(participantID); err != nil {
			s.p.Logger.Warn("cannot transcribe track", "participant", participantID, "track", trackID, "err", err)
			return
		}
		s.feeds[trackID] = f
	}
	s.push(f, ts, payload)
}

// push queues a copy of payload, or drops it when the track's decoder is behind.
func (s *Session) push(f *feed, ts uint32, payload []byte) {
	select {
	case p := <-f.free:
		p.ts, p.n = ts, copy(p.buf[:], payload)
		f.full <- p // never blocks: full has room for every packet
	default:
		if n := f.dropped.Add(1); n&(n-1) == 0 {
			s.p.Logger.Warn("transcription decoder behind: audio packets dropped", "participant", f.participant, "dropped", n)
		}
	}
}

// startFeed starts transcribing a new track. s.mu must be held.
func (s *Session) startFeed(participant string) (*feed, error) {
	st, err := transcribe.NewStream(transcribe.StreamParams{
		Participant: participant, Recognizer: utteranceRecognizer{s.p.Recognizer}, Language: s.p.Language,
		Origin: s.p.Now().Sub(s.p.Origin), Emit: s.p.Emit,
		Logger: s.p.Logger.With("participant", participant),
	})
	if err != nil {
		return nil, err
	}
	f := &feed{
		participant: participant, stream: st,
		free: make(chan *packet, queuedPackets), full: make(chan *packet, queuedPackets),
		stop: make(chan struct{}), flush: make(chan struct{}, 1),
	}
	for range queuedPackets {
		f.free <- new(packet)
	}
	s.group.Go(func(ctx context.Context) { _ = st.Run(ctx) })
	s.group.Go(func(context.Context) { s.decode(f) })
	return f, nil
}

// decode feeds a track's packets to its stream until the feed stops, then closes the stream.
func (s *Session) decode(f *feed) {
	defer f.stream.Close()
	idle := time.NewTimer(idleFlush)
	defer idle.Stop()
	var errs int
	write := func(p *packet) {
		if err := f.stream.WriteRTP(p.ts, p.buf[:p.n]); err != nil {
			if errs++; errs&(errs-1) == 0 {
				s.p.Logger.Warn("undecodable audio packet", "participant", f.participant, "count", errs, "err", err)
			}
		}
		f.free <- p
	}
	for {
		select {
		case p := <-f.full:
			write(p)
			idle.Reset(idleFlush)
		case <-idle.C:
			f.stream.Flush()
		case <-f.flush:
			f.stream.Flush()
		case <-f.stop:
			for {
				select {
				case p := <-f.full:
					write(p)
				default:
					return
				}
			}
		}
	}
}

// EndParticipant recognizes what a participant who left was saying, without waiting for Close.
func (s *Session) EndParticipant(participantID string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, f := range s.feeds {
		if f.participant == participantID {
			select {
			case f.flush <- struct{}{}:
			default:
			}
		}
	}
}

// Close stops taking audio, recognizes the utterances in progress and waits for every segment
// to be emitted, or for ctx to end (the rest is then abandoned). It is safe to call twice.
func (s *Session) Close(ctx context.Context) error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		for _, f := range s.feeds {
			close(f.stop)
		}
	}
	s.mu.Unlock()
	err := s.group.Wait(ctx)
	s.group.Close()
	return err
}
