package recording

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"visio/internal/ids"
	"visio/internal/store"
)

// ErrDiskFull means the recordings directory has less free space than the configured minimum.
var ErrDiskFull = errors.New("recording: not enough free disk space to record")

// ErrUnavailable means recording is turned off on this server.
var ErrUnavailable = errors.New("recording: recording is turned off on this server")

// ServiceParams configure a Service.
type ServiceParams struct {
	// Dir holds one directory per recording while it runs (and afterwards with local storage).
	Dir string
	// Storage keeps the finished files.
	Storage Storage
	// Store keeps the recordings' records.
	Store store.Recordings
	// FFmpeg is the configured ffmpeg program ("ffmpeg": looked up on PATH).
	FFmpeg string
	// ComposeTimeout bounds one composition.
	ComposeTimeout time.Duration
	// Retention is how long recordings are kept.
	Retention time.Duration
	// MaxBytes, MaxDuration and MinFreeBytes limit each recording.
	MaxBytes     int64
	MaxDuration  time.Duration
	MinFreeBytes int64
	// Webhook, if set, is told when a recording is ready.
	Webhook *Webhook
	// Metrics counts recordings and compositions (nil: not exported).
	Metrics *Metrics
	// LiveEvery is how often, with S3 storage, what a running recording's tracks gained is
	// uploaded (default 10 s; live.go): a node lost for good loses at most that much.
	LiveEvery time.Duration
	// LiveStale is how long a recording's uploads may stop before another node takes it over
	// and composes what was uploaded (default 1 min).
	LiveStale time.Duration
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Service runs the recordings of a server: it starts recorders, composes finished recordings
// one at a time, composes after a restart what a crash interrupted, and deletes recordings
// past their retention.
type Service struct {
	p      ServiceParams
	ffmpeg string // "" when not installed
	work   chan string
	live   liveUploads // with S3 storage (live_service.go)
	mine   sync.Map    // ids of the recordings this service started: not for recover
}

// NewService returns a service; call Run to compose and sweep.
func NewService(p ServiceParams) (*Service, error) {
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.ComposeTimeout <= 0 {
		p.ComposeTimeout = 2 * time.Hour
	}
	if p.Metrics == nil {
		p.Metrics = NewMetrics(nil)
	}
	if err := os.MkdirAll(p.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("recordings directory: %w", err)
	}
	if p.LiveEvery <= 0 {
		p.LiveEvery = 10 * time.Second
	}
	if p.LiveStale <= 0 {
		p.LiveStale = time.Minute
	}
	s := &Service{p: p, work: make(chan string, 1024)}
	s.live.init(p.Storage)
	if f, err := FFmpegPath(p.FFmpeg); err != nil {
		p.Logger.Warn("recordings will be kept as per-track files only: ffmpeg is not installed (install the Debian package ffmpeg to compose them into one file)", "ffmpeg", p.FFmpeg)
	} else {
		s.ffmpeg = f
	}
	return s, nil
}

// CanCompose reports whether finished recordings are composed into one file (ffmpeg found).
func (s *Service) CanCompose() bool { return s.ffmpeg != "" }

// StartParams describe a recording to start.
type StartParams struct {
	Room         string
	StartedBy    Participant
	AudioOnly    bool
	Participants []Participant
	// RequestKeyframe and OnLimit are given to the Recorder.
	RequestKeyframe func(trackID string)
	OnLimit         func(error)
}

// Start checks the free disk space, records the recording in the store and starts its
// recorder. Hand it packets (it is an sfu.MediaTap) and give it to Finish at the end.
func (s *Service) Start(ctx context.Context, sp StartParams) (*Recorder, error) {
	if free, err := freeBytes(s.p.Dir); err == nil && s.p.MinFreeBytes > 0 && free < s.p.MinFreeBytes {
		return nil, fmt.Errorf("%w: %d MiB free in the recordings directory, %d MiB needed", ErrDiskFull, free>>20, s.p.MinFreeBytes>>20)
	}
	id := ids.New("RE_")
	s.mine.Store(id, true)
	maxBytes := s.p.MaxBytes
	if free, err := freeBytes(s.p.Dir); err == nil && s.p.MinFreeBytes > 0 {
		// Stop before the disk is full, whatever the configured size.
		if room := free - s.p.MinFreeBytes; maxBytes <= 0 || room < maxBytes {
			maxBytes = max(room, 1)
		}
	}
	r, err := Start(Params{
		Dir: filepath.Join(s.p.Dir, id), ID: id, Room: sp.Room, StartedBy: sp.StartedBy, AudioOnly: sp.AudioOnly,
		Participants: sp.Participants, MaxBytes: maxBytes, MaxDuration: s.p.MaxDuration,
		RequestKeyframe: sp.RequestKeyframe, OnLimit: sp.OnLimit, Now: s.p.Now,
		Logger: s.p.Logger.With("room", sp.Room, "recording", id),
	})
	if err != nil {
		return nil, err
	}
	rec := store.Recording{ID: id, RoomCode: sp.Room, Status: store.RecordingActive, AudioOnly: sp.AudioOnly,
		StartedBy: sp.StartedBy.Name, StartedAt: r.StartedAt().Truncate(time.Millisecond)}
	if err := s.p.Store.CreateRecording(ctx, rec); err != nil {
		_, _ = r.Stop()
		_ = os.RemoveAll(filepath.Join(s.p.Dir, id))
		return nil, fmt.Errorf("start recording: %w", err)
	}
	s.p.Metrics.Active.Inc()
	s.startLive(id, r)
	s.p.Logger.Info("recording started", "room", sp.Room, "recording", id, "audio_only", sp.AudioOnly)
	return r, nil
}

// Finish stops r and queues its composition. It does not wait for it.
func (s *Service) Finish(ctx context.Context, r *Recorder) {
	m, err := r.Stop()
	s.p.Metrics.Active.Dec()
	s.p.Metrics.DroppedPackets.Add(float64(m.Dropped))
	if err != nil {
		s.p.Logger.Warn("recording ended with an error; what was written is kept", "recording", r.ID(), "err", err)
	}
	s.p.Logger.Info("recording stopped", "room", m.Room, "recording", m.ID, "tracks", len(m.Tracks), "dropped_packets", m.Dropped)
	s.setStatus(ctx, m.ID, func(rec *store.Recording) {
		rec.Status, rec.EndedAt, rec.TranscriptID = store.RecordingComposing, m.EndedAt.Truncate(time.Millisecond), m.TranscriptID
	})
	s.enqueue(m.ID)
}

func (s *Service) enqueue(id string) {
	select {
	case s.work <- id:
	default:
		s.p.Logger.Warn("composition queue full; the recording will be composed at the next start", "recording", id)
	}
}

// Run composes queued recordings one at a time, first those a crash or a restart left (still
// "recording" or "composing" with their directory here), and deletes recordings past their
// retention, until ctx ends. A composition in progress when ctx ends is done again at the next
// start.
func (s *Service) Run(ctx context.Context) error {
	defer s.stopAllLive()
	s.recover(ctx)
	sweep := time.NewTicker(time.Hour)
	defer sweep.Stop()
	adopt := time.NewTicker(s.p.LiveStale / 2)
	defer adopt.Stop()
	s.Sweep(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil // what is queued is composed again at the next start
		case id := <-s.work:
			s.compose(ctx, id)
		case <-sweep.C:
			s.Sweep(ctx)
		case <-adopt.C:
			s.adopt(ctx)
		}
	}
}

// recover queues the recordings of this node that a crash or a shutdown left unfinished.
func (s *Service) recover(ctx context.Context) {
	entries, err := os.ReadDir(s.p.Dir)
	if err != nil {
		s.p.Logger.Warn("reading the recordings directory", "err", err)
		return
	}
	for _, e := range entries {
		if _, ok := s.mine.Load(e.Name()); !e.IsDir() || !ValidID(e.Name()) || ok {
			continue // started since this service runs: not left by a restart
		}
		rec, err := s.p.Store.Recording(ctx, e.Name())
		if err != nil {
			continue // not known: deleted meanwhile, or another server's
		}
		if rec.Status == store.RecordingActive || rec.Status == store.RecordingComposing {
			s.p.Logger.Info("composing a recording left unfinished by a restart", "recording", rec.ID, "room", rec.RoomCode)
			s.startLive(rec.ID, nil)
			s.enqueue(rec.ID)
		}
	}
}

// compose composes one recording, stores the file and updates its record.
func (s *Service) compose(ctx context.Context, id string) {
	defer s.endLive(ctx, id)
	dir := filepath.Join(s.p.Dir, id)
	m, err := ReadManifest(dir)
	if err != nil {
		s.p.Logger.Error("recording cannot be composed: its manifest is unreadable", "recording", id, "err", err)
		s.setStatus(ctx, id, func(r *store.Recording) {
			r.Status, r.Error = store.RecordingFailed, "The recording's files are damaged."
		})
		return
	}
	if s.ffmpeg == "" {
		s.storeTracks(ctx, id, dir, m)
		return
	}
	audioOnly := m.AudioOnly
	name, ctype := "meeting.webm", "video/webm"
	if audioOnly {
		name, ctype = "meeting.ogg", "audio/ogg"
	}
	s.setStatus(ctx, id, func(r *store.Recording) { r.Status = store.RecordingComposing })
	cctx, cancel := context.WithTimeout(ctx, s.p.ComposeTimeout)
	started := time.Now()
	c, err := Compose(cctx, ComposeParams{Dir: dir, Out: filepath.Join(dir, name), AudioOnly: audioOnly, FFmpeg: s.ffmpeg})
	cancel()
	if ctx.Err() != nil {
		return // shutting down: composed again at the next start
	}
	if err != nil {
		msg := "The recording could not be composed."
		if errors.Is(err, ErrNothingRecorded) {
			msg = "Nothing was recorded: no participant sent audio or video."
		}
		s.p.Metrics.Compositions.WithLabelValues("failed").Inc()
		s.p.Logger.Error("composing a recording", "recording", id, "err", err)
		s.setStatus(ctx, id, func(r *store.Recording) { r.Status, r.Error = store.RecordingFailed, msg })
		return
	}
	s.p.Metrics.ComposeCPU.Add(c.CPU.Seconds())
	s.p.Logger.Info("recording composed", "recording", id, "duration", c.Duration.Round(time.Second), "took", time.Since(started).Round(time.Millisecond), "cpu", c.CPU.Round(time.Millisecond), "bytes", c.Size)
	key := path.Join(id, name)
	if err := s.p.Storage.Put(ctx, key, c.File, ctype); err != nil {
		s.p.Logger.Error("storing a recording", "recording", id, "err", err)
		if ctx.Err() == nil {
			s.p.Metrics.Compositions.WithLabelValues("failed").Inc()
			s.setStatus(ctx, id, func(r *store.Recording) {
				r.Status, r.Error = store.RecordingFailed, "The recording could not be stored."
			})
		}
		return
	}
	s.p.Metrics.Compositions.WithLabelValues("ready").Inc()
	var rec store.Recording
	s.setStatus(ctx, id, func(r *store.Recording) {
		r.Status, r.Error, r.ObjectKey, r.ContentType, r.Size, r.Duration = store.RecordingReady, "", key, ctype, c.Size, c.Duration
		r.TranscriptID = m.TranscriptID
		if r.EndedAt.IsZero() {
			r.EndedAt = m.StartedAt.Add(c.Duration).Truncate(time.Millisecond)
		}
		rec = *r
	})
	if !s.p.Storage.Local() {
		// The bucket has the file; the tracks are not needed any more.
		if err := os.RemoveAll(dir); err != nil {
			s.p.Logger.Warn("removing a stored recording's local files", "recording", id, "err", err)
		}
	}
	if s.p.Webhook != nil && rec.ID != "" {
		if err := s.p.Webhook.Ready(ctx, rec); err != nil {
			s.p.Logger.Warn("recording webhook", "recording", id, "err", err)
		}
	}
}

// setStatus reads a record, changes it and writes it back.
func (s *Service) setStatus(ctx context.Context, id string, change func(*store.Recording)) {
	ctx = context.WithoutCancel(ctx)
	rec, err := s.p.Store.Recording(ctx, id)
	if err != nil {
		s.p.Logger.Warn("recording record", "recording", id, "err", err)
		return
	}
	change(&rec)
	if err := s.p.Store.UpdateRecording(ctx, rec); err != nil {
		s.p.Logger.Error("updating a recording record", "recording", id, "err", err)
	}
}

// Open opens a recording's composed file.
func (s *Service) Open(ctx context.Context, rec store.Recording) (Object, error) {
	if rec.ObjectKey == "" {
		return nil, ErrNotStored
	}
	return s.p.Storage.Open(ctx, rec.ObjectKey)
}

// Delete deletes a recording's files, then its record. A recording still running cannot be
// deleted (stop it first): store.ErrInvalid.
func (s *Service) Delete(ctx context.Context, rec store.Recording) error {
	if rec.Status == store.RecordingActive {
		return fmt.Errorf("delete recording %s: %w: it is still running", rec.ID, store.ErrInvalid)
	}
	if err := s.p.Storage.Delete(ctx, rec.ID); err != nil {
		return err
	}
	if s.live.s3 != nil {
		if err := s.live.s3.DeleteLive(ctx, rec.ID); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(filepath.Join(s.p.Dir, rec.ID)); err != nil {
		return fmt.Errorf("delete recording %s: %w", rec.ID, err)
	}
	return s.p.Store.DeleteRecording(ctx, rec.ID)
}

// ExpiresAt is when a recording is deleted.
func (s *Service) ExpiresAt(rec store.Recording) time.Time { return rec.StartedAt.Add(s.p.Retention) }

// Sweep deletes the recordings past their retention, and returns how many.
func (s *Service) Sweep(ctx context.Context) int {
	if s.p.Retention <= 0 {
		return 0
	}
	n := 0
	for ctx.Err() == nil {
		old, err := s.p.Store.RecordingsStartedBefore(ctx, s.p.Now().Add(-s.p.Retention), 100)
		if err != nil {
			s.p.Logger.Warn("listing expired recordings", "err", err)
			break
		}
		deleted := 0
		for _, rec := range old {
			if rec.Status == store.RecordingActive && rec.EndedAt.IsZero() {
				continue // still running: swept when done
			}
			if err := s.Delete(ctx, rec); err != nil {
				s.p.Logger.Warn("deleting an expired recording", "recording", rec.ID, "err", err)
				continue
			}
			deleted++
		}
		n += deleted
		if len(old) < 100 || deleted == 0 {
			break
		}
	}
	if n > 0 {
		s.p.Logger.Info("deleted recordings past their retention", "count", n)
	}
	return n
}

// freeBytes returns the free space of dir's file system for unprivileged users.
func freeBytes(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
