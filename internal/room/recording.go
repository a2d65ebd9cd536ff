package room

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Errors of recording; their text is safe to show.
var (
	// ErrRecordingUnavailable: recording is turned off on this server.
	ErrRecordingUnavailable = errors.New("recording is turned off on this server")
	// ErrRecordingDiskFull: the recordings' disk is nearly full (the service's error wraps it).
	ErrRecordingDiskFull = errors.New("the server's disk is nearly full")
)

// Recorder is one running recording (recording.Recorder).
type Recorder interface {
	ID() string
	StartedAt() time.Time
	// Joined records a participant's name.
	Joined(id, name string)
	// SetTranscript links the meeting's transcript.
	SetTranscript(id string)
	// Err is the error that stopped the recording early; it wraps ErrLimit-like causes.
	Err() error
	// Halt stops taking packets and fixes the end time, without blocking (called with the
	// meeting's lock held); the service's Finish then writes the rest.
	Halt()
}

// RecordingStart describes a recording to start.
type RecordingStart struct {
	Room         string
	By           ParticipantRef
	AudioOnly    bool
	Participants []ParticipantRef
	// RequestKeyframe asks a video track's publisher for a keyframe.
	RequestKeyframe func(trackID string)
	// OnLimit is called, from any goroutine and without locks, when the recording stops on a
	// limit (duration, size, disk space).
	OnLimit func()
}

// RecordingService starts and finishes recordings (the app's adapter of recording.Service).
type RecordingService interface {
	// Start starts a recording; an error wrapping ErrRecordingDiskFull says why not.
	Start(ctx context.Context, p RecordingStart) (Recorder, error)
	// Finish stops r and has it composed; it may take a moment (the recorder's queue).
	Finish(ctx context.Context, r Recorder)
}

// RecordingMedia is what the meeting's media must do to be recorded (the SFU room).
type RecordingMedia interface {
	// Record sends every track's packets to r; nil stops. The meeting calls it with its lock
	// held: it must only swap the tap (an atomic store).
	Record(r Recorder)
	// RequestKeyframe asks the publishers of trackID (every video track if "") for a keyframe.
	// Called without the meeting's lock.
	RequestKeyframe(trackID string)
}

// Recording configures recording in the meetings.
type Recording struct {
	// Service records; nil means recording is unavailable, and the meeting UI says so.
	Service RecordingService
	// Notice is how long everyone is told before recording begins (default 3 s).
	Notice time.Duration
	// Logger receives the recording's events.
	Logger *slog.Logger
}

// Recording states.
const (
	RecordingOff      = "off"
	RecordingStarting = "starting"
	RecordingActive   = "active"
)

// RecordingState is whether the meeting is recorded, as one participant (or someone in the
// lobby) sees it.
type RecordingState struct {
	State      string // RecordingOff, RecordingStarting or RecordingActive
	AudioOnly  bool
	By         *ParticipantRef
	StartsAt   *time.Time // starting
	StartedAt  *time.Time // active
	Available  bool
	CanControl bool
	// Stopped says why the last recording stopped without a moderator: "limit" or "failed".
	Stopped string
	// RecordingID is the recording, for moderators.
	RecordingID string
}

// RecordingFailed tells the moderator who started a recording that it could not begin.
type RecordingFailed struct{ Message string }

func (RecordingState) event()  {}
func (RecordingFailed) event() {}

// roomRecording is a meeting's recording state; guarded by Meeting.mu.
type roomRecording struct {
	state     string
	audioOnly bool
	by        ParticipantRef
	startsAt  time.Time
	startedAt time.Time
	timer     Timer // the notice, while starting
	rec       Recorder
	lastID    string
	stopped   string
	parts     []string // the recordings of this run, one per node that held the meeting (persist.go)
}

// recordingStateLocked is the state as p sees it (nil: someone in the lobby). m.mu must be
// held.
func (m *Meeting) recordingStateLocked(p *Participant) RecordingState {
	rr := &m.recording
	st := RecordingState{State: RecordingOff, Stopped: rr.stopped}
	if rr.state != "" {
		st.State = rr.state
	}
	r := m.ms.p.Recording
	st.Available = r != nil && r.Service != nil
	moderator := p != nil && p.perms.Moderate
	st.CanControl = st.Available && moderator
	switch rr.state {
	case RecordingStarting:
		by, at := rr.by, rr.startsAt
		st.By, st.StartsAt, st.AudioOnly = &by, &at, rr.audioOnly
	case RecordingActive:
		by, at := rr.by, rr.startedAt
		st.By, st.StartedAt, st.AudioOnly = &by, &at, rr.audioOnly
	}
	if moderator {
		st.RecordingID = rr.lastID
	}
	return st
}

// broadcastRecordingLocked tells everyone, and the lobby, the recording state. m.mu must be
// held.
func (m *Meeting) broadcastRecordingLocked() {
	for _, o := range m.participants {
		if c := o.connLocked(); c != nil {
			c.Send(m.recordingStateLocked(o))
		}
	}
	lobby := m.recordingStateLocked(nil)
	for _, r := range m.lobby {
		if r.conn != nil {
			r.conn.Send(lobby)
		}
	}
}

// ControlRecording starts ("start") or stops ("stop") the meeting's recording on behalf of p.
// A start is announced to everyone first; recording begins after the notice.
func (p *Participant) ControlRecording(action string, audioOnly bool) error {
	m := p.m
	r := m.ms.p.Recording
	if r == nil || r.Service == nil {
		return ErrRecordingUnavailable
	}
	var finish func(context.Context)
	defer func() { m.runFinish(finish) }()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !p.perms.Moderate {
		return refuse(ErrForbidden, "only moderators start and stop recording")
	}
	rr := &m.recording
	switch {
	case action == "start" && (rr.state == "" || rr.state == RecordingOff) && !m.closed:
		rr.state, rr.audioOnly, rr.by, rr.stopped = RecordingStarting, audioOnly, ParticipantRef{ID: p.id, Name: p.name}, ""
		rr.startsAt = m.ms.clock.Now().UTC().Add(r.Notice).Truncate(time.Millisecond)
		rr.timer = m.ms.clock.AfterFunc(r.Notice, m.beginRecording)
		rr.parts = nil
		r.Logger.Info("recording announced", "room", m.code, "by", p.id, "audio_only", audioOnly)
	case action == "stop" && rr.state == RecordingStarting:
		rr.timer.Stop()
		rr.state = RecordingOff
		r.Logger.Info("recording cancelled before it began", "room", m.code, "by", p.id)
	case action == "stop" && rr.state == RecordingActive:
		finish = m.stopRecordingLocked("")
		r.Logger.Info("recording stopped", "room", m.code, "by", p.id)
	default:
		return nil // already in the asked state
	}
	m.persistLocked()
	m.broadcastRecordingLocked()
	return nil
}

// beginRecording starts the recorder when the notice is over. The service is called without
// the meeting's lock (it writes files and the store).
func (m *Meeting) beginRecording() {
	r := m.ms.p.Recording
	m.mu.Lock()
	rr := &m.recording
	if rr.state != RecordingStarting || m.closed {
		m.mu.Unlock()
		return
	}
	parts := make([]ParticipantRef, 0, len(m.participants))
	for _, o := range m.participants {
		parts = append(parts, ParticipantRef{ID: o.id, Name: o.name})
	}
	start := RecordingStart{Room: m.code, By: rr.by, AudioOnly: rr.audioOnly, Participants: parts,
		RequestKeyframe: m.requestKeyframe, OnLimit: m.recordingLimit}
	m.mu.Unlock()

	rec, err := r.Service.Start(context.Background(), start)

	m.mu.Lock()
	if err == nil && (rr.state != RecordingStarting || m.closed) {
		// Cancelled or closed meanwhile.
		m.mu.Unlock()
		r.Service.Finish(context.Background(), rec)
		return
	}
	defer m.mu.Unlock()
	if err != nil {
		r.Logger.Error("recording could not start", "room", m.code, "err", err)
		rr.state, rr.stopped = RecordingOff, "failed"
		m.persistLocked()
		msg := "The recording could not start."
		if errors.Is(err, ErrRecordingDiskFull) {
			msg = "The recording could not start: the server's disk is nearly full."
		}
		if by := m.participants[rr.by.ID]; by != nil {
			if c := by.connLocked(); c != nil {
				c.Send(RecordingFailed{Message: msg})
			}
		}
		m.broadcastRecordingLocked()
		return
	}
	rr.rec, rr.lastID = rec, rec.ID()
	rr.parts = append(rr.parts, rec.ID())
	m.persistLocked()
	rr.state, rr.startedAt = RecordingActive, rec.StartedAt().UTC().Truncate(time.Millisecond)
	if rm, ok := m.media.(RecordingMedia); ok {
		rm.Record(rec)
		m.ms.group.Go(func(context.Context) { rm.RequestKeyframe("") })
	}
	m.broadcastRecordingLocked()
}

// requestKeyframe asks the media for a keyframe of trackID (the recorder lost a frame).
func (m *Meeting) requestKeyframe(trackID string) {
	if rm, ok := m.media.(RecordingMedia); ok {
		rm.RequestKeyframe(trackID)
	}
}

// recordingLimit stops the running recording after it reached a limit. It runs on its own
// goroutine: the recorder calls it from its writer, which Finish waits for.
func (m *Meeting) recordingLimit() {
	m.ms.group.Go(func(context.Context) {
		var finish func(context.Context)
		m.mu.Lock()
		if rec := m.recording.rec; rec != nil && rec.Err() != nil {
			finish = m.stopRecordingLocked("limit")
			m.persistLocked()
			m.broadcastRecordingLocked()
		}
		m.mu.Unlock()
		m.runFinish(finish)
	})
}

// stopRecordingLocked detaches the recorder and returns what finishes it, to run without m.mu
// (runFinish). m.mu must be held.
func (m *Meeting) stopRecordingLocked(why string) func(context.Context) {
	rr := &m.recording
	if rr.timer != nil {
		rr.timer.Stop()
	}
	rec := rr.rec
	rr.rec, rr.state, rr.stopped = nil, RecordingOff, why
	if rec == nil {
		return nil
	}
	if rm, ok := m.media.(RecordingMedia); ok {
		rm.Record(nil)
	}
	rec.Halt()
	if tx := m.transcription.record; tx != nil {
		rec.SetTranscript(tx.ID)
	}
	svc := m.ms.p.Recording.Service
	return func(ctx context.Context) { svc.Finish(ctx, rec) }
}

// runFinish runs finish on the meetings' group, or at once once the group is closed.
func (m *Meeting) runFinish(finish func(context.Context)) {
	if finish == nil || m.ms.group.Go(finish) {
		return
	}
	finish(context.Background())
}

// recordingJoinedLocked records a new participant's name in the running recording. m.mu must
// be held.
func (m *Meeting) recordingJoinedLocked(p *Participant) {
	if rec := m.recording.rec; rec != nil {
		rec.Joined(p.id, p.name)
	}
}

// endRecording finishes the meeting's recording when the meeting closes.
func (m *Meeting) endRecording() {
	if m.ms.p.Recording == nil {
		return
	}
	m.mu.Lock()
	finish := m.stopRecordingLocked("")
	m.mu.Unlock()
	m.runFinish(finish)
}

// SetRecording enables recording. Call it before the first Join.
func (ms *Meetings) SetRecording(r *Recording) {
	if r != nil {
		if r.Logger == nil {
			r.Logger = ms.log
		}
		if r.Notice <= 0 {
			r.Notice = 3 * time.Second
		}
	}
	ms.p.Recording = r
}
