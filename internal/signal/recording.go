package signal

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"visio/internal/recording"
)

// RecordingService starts and finishes recordings (recording.Service).
type RecordingService interface {
	Start(ctx context.Context, p recording.StartParams) (*recording.Recorder, error)
	Finish(ctx context.Context, r *recording.Recorder)
}

// Recording wires meeting recording into the hub.
type Recording struct {
	// Service records; nil means recording is turned off, and the meeting UI says so.
	Service RecordingService
	// Notice is how long everyone is told before recording begins (default 3 s).
	Notice time.Duration
	// Logger receives the recording's events.
	Logger *slog.Logger
}

// SetRecording enables recording in the hub's rooms. Call it before serving.
func (h *Hub) SetRecording(r *Recording) {
	if r.Logger == nil {
		r.Logger = h.log
	}
	if r.Notice <= 0 {
		r.Notice = 3 * time.Second
	}
	h.recording = r
}

// roomRecording is a conference's recording state; guarded by conference.mu.
type roomRecording struct {
	state     string // RecordingOff, RecordingStarting or RecordingActive
	audioOnly bool
	by        ParticipantRef
	startsAt  time.Time
	startedAt time.Time
	timer     *time.Timer // the notice, while starting
	rec       *recording.Recorder
	lastID    string // the last recording, for moderators
	stopped   string // why the last one stopped on its own
}

// recordingStateLocked is the state as p sees it (nil: someone in the lobby). c.mu must be
// held.
func (c *conference) recordingStateLocked(p *participant) RecordingState {
	rr := &c.recording
	st := RecordingState{Type: "recording_state", State: RecordingOff}
	if rr.state != "" {
		st.State = rr.state
	}
	h := c.hub.recording
	st.Available = h != nil && h.Service != nil
	st.CanControl = st.Available && p != nil && p.moderate
	st.Stopped = rr.stopped
	switch rr.state {
	case RecordingStarting:
		by, at := rr.by, rr.startsAt
		st.By, st.StartsAt, st.AudioOnly = &by, &at, rr.audioOnly
	case RecordingActive:
		by, at := rr.by, rr.startedAt
		st.By, st.StartedAt, st.AudioOnly = &by, &at, rr.audioOnly
	}
	if p != nil && p.moderate {
		st.RecordingID = rr.lastID
	}
	return st
}

// broadcastRecordingLocked tells everyone, and the lobby, the recording state. c.mu must be
// held.
func (c *conference) broadcastRecordingLocked() {
	for _, o := range c.participants {
		if o.session != nil {
			o.session.send(c.recordingStateLocked(o))
		}
	}
	lobby := c.recordingStateLocked(nil)
	for _, r := range c.lobby {
		if r.session != nil {
			r.session.send(lobby)
		}
	}
}

// controlRecording handles a recording message from p.
func (c *conference) controlRecording(p *participant, m *RecordingControl) error {
	h := c.hub.recording
	if h == nil || h.Service == nil {
		return &ProtocolError{Code: CodeRecordingUnavailable, Message: "recording is turned off on this server"}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !p.moderate {
		return &ProtocolError{Code: CodeForbidden, Message: "only moderators start and stop recording"}
	}
	rr := &c.recording
	switch {
	case m.Action == "start" && (rr.state == "" || rr.state == RecordingOff) && !c.closed:
		// Everyone is told first; recording begins after the notice.
		rr.state, rr.audioOnly, rr.by, rr.stopped = RecordingStarting, m.AudioOnly, ParticipantRef{ID: p.id, Name: p.name}, ""
		rr.startsAt = time.Now().UTC().Add(h.Notice).Truncate(time.Millisecond)
		rr.timer = time.AfterFunc(h.Notice, c.beginRecording)
		h.Logger.Info("recording announced", "room", c.code, "by", p.id, "audio_only", m.AudioOnly)
	case m.Action == "stop" && rr.state == RecordingStarting:
		rr.timer.Stop()
		rr.state = RecordingOff
		h.Logger.Info("recording cancelled before it began", "room", c.code, "by", p.id)
	case m.Action == "stop" && rr.state == RecordingActive:
		c.stopRecordingLocked("")
		h.Logger.Info("recording stopped", "room", c.code, "by", p.id)
	default:
		return nil // already in the asked state
	}
	c.broadcastRecordingLocked()
	return nil
}

// beginRecording starts the recorder when the notice is over.
func (c *conference) beginRecording() {
	h := c.hub.recording
	c.mu.Lock()
	defer c.mu.Unlock()
	rr := &c.recording
	if rr.state != RecordingStarting || c.closed {
		return
	}
	parts := make([]recording.Participant, 0, len(c.participants))
	for _, o := range c.participants {
		parts = append(parts, recording.Participant{ID: o.id, Name: o.name})
	}
	r, err := h.Service.Start(context.Background(), recording.StartParams{
		Room: c.code, StartedBy: recording.Participant{ID: rr.by.ID, Name: rr.by.Name}, AudioOnly: rr.audioOnly,
		Participants: parts, RequestKeyframe: c.media.RequestKeyframe,
		OnLimit: func(error) { go c.recordingLimit() },
	})
	if err != nil {
		h.Logger.Error("recording could not start", "room", c.code, "err", err)
		rr.state, rr.stopped = RecordingOff, "failed"
		msg := "The recording could not start."
		if errors.Is(err, recording.ErrDiskFull) {
			msg = "The recording could not start: the server's disk is nearly full."
		}
		if by := c.participants[rr.by.ID]; by != nil && by.session != nil {
			by.session.send(ErrorMessage{Type: "error", Code: CodeRecordingFailed, Message: msg})
		}
		c.broadcastRecordingLocked()
		return
	}
	rr.rec, rr.lastID = r, r.ID()
	rr.state, rr.startedAt = RecordingActive, r.StartedAt().Truncate(time.Millisecond)
	c.media.SetMediaTap(r)
	c.broadcastRecordingLocked()
}

// recordingLimit stops the running recording if it reached a limit.
func (c *conference) recordingLimit() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.recording.rec; r == nil || !errors.Is(r.Err(), recording.ErrLimit) {
		return
	}
	c.stopRecordingLocked("limit")
	c.broadcastRecordingLocked()
}

// stopRecordingLocked detaches the recorder and finishes it in the background (its queue is
// written, then it is composed). c.mu must be held.
func (c *conference) stopRecordingLocked(why string) {
	rr := &c.recording
	if rr.timer != nil {
		rr.timer.Stop()
	}
	r := rr.rec
	rr.rec, rr.state, rr.stopped = nil, RecordingOff, why
	if r == nil {
		return
	}
	c.media.SetMediaTap(nil)
	if tx := c.transcription.record; tx != nil {
		r.SetTranscript(tx.ID)
	}
	svc := c.hub.recording.Service
	c.hub.recordings.Add(1)
	go func() {
		defer c.hub.recordings.Done()
		svc.Finish(context.Background(), r)
	}()
}

// recordingJoinedLocked records a participant's name in the running recording. c.mu must be
// held.
func (c *conference) recordingJoinedLocked(p *participant) {
	if r := c.recording.rec; r != nil {
		r.Joined(p.id, p.name)
	}
}

// endRecording finishes the meeting's recording when the room closes.
func (c *conference) endRecording() {
	if c.hub.recording == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopRecordingLocked("")
}

// WaitRecordings waits until the recordings of closed rooms are stopped and queued for
// composition, or ctx ends. Call it after Shutdown.
func (h *Hub) WaitRecordings(ctx context.Context) error { return waitCtx(ctx, &h.recordings) }
