package recording

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Params configure a Recorder.
type Params struct {
	// Dir is the recording's directory, created if needed; its name should be the recording id.
	Dir string
	// ID, Room, StartedBy and AudioOnly go into the manifest.
	ID        string
	Room      string
	StartedBy Participant
	AudioOnly bool
	// Participants present at the start.
	Participants []Participant
	// MaxBytes stops the recording when its files reach this size (0: no limit).
	MaxBytes int64
	// MaxDuration stops the recording after this long (0: no limit).
	MaxDuration time.Duration
	// QueueLen is the number of packets that may wait for the writer (default 4096, about
	// four seconds of a meeting of ten cameras).
	QueueLen int
	// RequestKeyframe asks a video track's publisher for a keyframe (sfu.Room.RequestKeyframe);
	// may be nil.
	RequestKeyframe func(trackID string)
	// OnLimit is called once, from the writer goroutine, if the recording stops on a limit.
	OnLimit func(err error)
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives the recorder's events.
	Logger *slog.Logger
}

// Recorder writes one recording's tracks to files as their packets arrive. Create it with
// Start, hand it packets through Packet (it is an sfu.MediaTap) and end it with Stop.
type Recorder struct {
	p        Params
	queue    chan *packetItem
	stopped  atomic.Bool
	quitOnce atomic.Bool
	dropped  atomic.Uint64
	quit     chan struct{}
	done     chan struct{}
	syncReq  chan chan struct{} // Sync's requests to the writer
	start    time.Time
	endedAt  atomic.Int64 // Unix nanoseconds of Halt, 0 before

	mu       sync.Mutex // guards the following fields
	manifest Manifest
	// speakersChanged: manifest.Speakers has changes not written yet.
	speakersChanged bool
	err             error // the first write error, or ErrLimit

	// Owned by the writer goroutine.
	tracks map[string]*trackWriter
	bytes  int64
	count  map[string]int   // files per source, for names
	clocks map[string]int64 // per participant: our clock minus its sender-report clock, ns
}

// Start creates the recording's directory and manifest and starts its writer goroutine.
func Start(p Params) (*Recorder, error) {
	if !ValidID(p.ID) {
		return nil, fmt.Errorf("%w: id %q", ErrBadManifest, p.ID)
	}
	if p.QueueLen <= 0 {
		p.QueueLen = 4096
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(p.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("recording directory: %w", err)
	}
	now := p.Now().UTC()
	r := &Recorder{
		p: p, queue: make(chan *packetItem, p.QueueLen), quit: make(chan struct{}), done: make(chan struct{}),
		syncReq: make(chan chan struct{}),
		start:   now,
		tracks:  map[string]*trackWriter{}, count: map[string]int{}, clocks: map[string]int64{},
		manifest: Manifest{
			ID: p.ID, Room: p.Room, StartedAt: now, AudioOnly: p.AudioOnly, StartedBy: p.StartedBy,
			Participants: append([]Participant{}, p.Participants...), Tracks: []Track{},
		},
	}
	if err := writeManifest(p.Dir, &r.manifest); err != nil {
		return nil, err
	}
	go r.run()
	return r, nil
}

// ID returns the recording's id.
func (r *Recorder) ID() string { return r.p.ID }

// StartedAt returns when the recording started.
func (r *Recorder) StartedAt() time.Time { return r.start }

// Joined records a participant's name, for the composition's labels and the transcript.
func (r *Recorder) Joined(id, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, p := range r.manifest.Participants {
		if p.ID == id {
			if p.Name == name {
				return
			}
			r.manifest.Participants[i].Name = name
			r.saveLocked()
			return
		}
	}
	r.manifest.Participants = append(r.manifest.Participants, Participant{ID: id, Name: name})
	r.saveLocked()
}

// SetTranscript links the meeting's transcript to the recording.
func (r *Recorder) SetTranscript(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.manifest.TranscriptID != id {
		r.manifest.TranscriptID = id
		r.saveLocked()
	}
}

// Err returns the error that stopped the recording early, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Sync has the manifest brought up to date with the track files (their ends and offsets), as
// it is every flushEvery, and waits for it, at most until ctx ends. It returns false if the
// recorder has stopped.
func (r *Recorder) Sync(ctx context.Context) bool {
	ch := make(chan struct{})
	select {
	case r.syncReq <- ch:
	case <-r.done:
		return false
	case <-ctx.Done():
		return false
	}
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		return false
	}
}

// Halt stops taking packets and fixes the recording's end time, at once and without blocking
// (the meeting calls it with its lock held); Stop then writes what is queued and closes the
// files. Safe to call twice.
func (r *Recorder) Halt() {
	r.endedAt.CompareAndSwap(0, r.p.Now().UnixNano())
	r.stopped.Store(true)
}

// Stop ends the recording: the packets already queued are written, every file is closed and
// the manifest gets its end time (that of Halt, if it was called). It returns the final
// manifest. Safe to call twice.
func (r *Recorder) Stop() (*Manifest, error) {
	r.Halt()
	if r.quitOnce.CompareAndSwap(false, true) {
		close(r.quit)
	}
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.manifest
	m.Participants = append([]Participant{}, m.Participants...)
	m.Tracks = append([]Track{}, m.Tracks...)
	if errors.Is(r.err, ErrLimit) {
		return &m, nil
	}
	return &m, r.err
}

// run is the writer goroutine: it drains the queue until Stop, then writes what is left.
func (r *Recorder) run() {
	defer close(r.done)
	var limit <-chan time.Time
	if r.p.MaxDuration > 0 {
		t := time.NewTimer(r.p.MaxDuration)
		defer t.Stop()
		limit = t.C
	}
	flush := time.NewTicker(flushEvery)
	defer flush.Stop()
	for {
		select {
		case it := <-r.queue:
			r.write(it)
		case <-flush.C:
			r.syncTracks()
		case ch := <-r.syncReq:
			r.syncTracks()
			close(ch)
		case <-limit:
			r.hitLimit(fmt.Errorf("%w: %s", ErrLimit, r.p.MaxDuration))
			limit = nil
		case <-r.quit:
			for {
				select {
				case it := <-r.queue:
					r.write(it)
				default:
					r.finish()
					return
				}
			}
		}
	}
}

// write writes one packet to its track's file, opening the file for a new track.
func (r *Recorder) write(it *packetItem) {
	defer itemPool.Put(it)
	if r.failed() {
		return
	}
	if it.sr {
		r.senderReport(it)
		return
	}
	tw := r.tracks[it.track]
	if tw == nil {
		kind := "audio"
		ext := "ogg"
		if it.video {
			kind, ext = "video", "webm"
		}
		src := string(it.source)
		if src == "" {
			src = kind
		}
		n := r.count[src]
		r.count[src] = n + 1
		tw = &trackWriter{
			rec: r, id: it.track, layer: -1, index: -1,
			meta: Track{ID: it.track, Participant: it.participant, Source: src, Kind: kind,
				File: fmt.Sprintf("%s-%d.%s", sanitizeSource(src), n, ext), OffsetMS: -1},
		}
		r.tracks[it.track] = tw
	}
	n, err := tw.push(it)
	r.bytes += n
	switch {
	case err != nil:
		r.fail(fmt.Errorf("track %s: %w", it.track, err))
	case r.p.MaxBytes > 0 && r.bytes >= r.p.MaxBytes:
		r.hitLimit(fmt.Errorf("%w: %d bytes", ErrLimit, r.p.MaxBytes))
	}
}

// trackStarted records a track whose file now exists, with its offset; it returns the
// track's index in the manifest.
func (r *Recorder) trackStarted(t Track) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.manifest.Tracks = append(r.manifest.Tracks, t)
	r.saveLocked()
	return len(r.manifest.Tracks) - 1
}

func (r *Recorder) failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err != nil
}

func (r *Recorder) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
		r.p.Logger.Error("recording failed; its files so far are kept", "recording", r.p.ID, "err", err)
	}
	r.mu.Unlock()
	r.closeTracks()
}

func (r *Recorder) hitLimit(err error) {
	r.mu.Lock()
	first := r.err == nil
	if first {
		r.endedAt.CompareAndSwap(0, r.p.Now().UnixNano()) // the recording ends here
		r.err = err
		r.manifest.Stopped = "limit"
		r.saveLocked()
	}
	r.mu.Unlock()
	if first {
		r.p.Logger.Warn("recording stopped at its limit", "recording", r.p.ID, "err", err)
		r.closeTracks()
		if r.p.OnLimit != nil {
			r.p.OnLimit(err)
		}
	}
}

func (r *Recorder) closeTracks() {
	for _, tw := range r.tracks {
		if err := tw.close(); err != nil {
			r.p.Logger.Warn("closing a track file", "recording", r.p.ID, "track", tw.id, "err", err)
		}
	}
}

// finish closes the files and writes the final manifest.
func (r *Recorder) finish() {
	r.closeTracks()
	r.syncTracks()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.manifest.EndedAt = time.Unix(0, r.endedAt.Load()).UTC()
	r.manifest.Dropped = r.dropped.Load()
	r.saveLocked()
}

// saveLocked writes the manifest; r.mu must be held.
func (r *Recorder) saveLocked() {
	if err := writeManifest(r.p.Dir, &r.manifest); err != nil && r.err == nil {
		r.err = err
		r.p.Logger.Error("recording manifest", "recording", r.p.ID, "err", err)
	}
}

// sanitizeSource keeps file names to lower-case letters.
func sanitizeSource(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < 20; i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b = append(b, c)
		}
	}
	if len(b) == 0 {
		return "track"
	}
	return string(b)
}
