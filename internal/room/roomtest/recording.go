package roomtest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"visio/internal/room"
)

var _ room.RecordingMedia = (*Room)(nil)

// recordingState is a Room's recording side.
type recordingState struct {
	rec       room.Recorder
	keyframes []string
}

// Record implements room.RecordingMedia.
func (r *Room) Record(rec room.Recorder) {
	r.mu.Lock()
	r.rec.rec = rec
	r.mu.Unlock()
}

// RequestKeyframe implements room.RecordingMedia.
func (r *Room) RequestKeyframe(trackID string) {
	r.mu.Lock()
	r.rec.keyframes = append(r.rec.keyframes, trackID)
	r.mu.Unlock()
}

// Recorder returns the recorder the room's tracks go to, or nil.
func (r *Room) Recorder() room.Recorder {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rec.rec
}

// Keyframes returns the keyframe requests made ("" for every track).
func (r *Room) Keyframes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.rec.keyframes...)
}

// Recorder is a fake recording, made by RecordingService.
type Recorder struct {
	id    string
	start time.Time

	mu         sync.Mutex // guards the following fields
	names      map[string]string
	transcript string
}

var _ room.Recorder = (*Recorder)(nil)

// ID implements room.Recorder.
func (r *Recorder) ID() string { return r.id }

// StartedAt implements room.Recorder.
func (r *Recorder) StartedAt() time.Time { return r.start }

// Joined implements room.Recorder.
func (r *Recorder) Joined(id, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names == nil {
		r.names = map[string]string{}
	}
	r.names[id] = name
}

// Name returns the name recorded for participant id.
func (r *Recorder) Name(id string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.names[id]
}

// SetTranscript implements room.Recorder.
func (r *Recorder) SetTranscript(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.transcript = id
}

// Halt implements room.Recorder.
func (r *Recorder) Halt() {}

// Err implements room.Recorder.
func (r *Recorder) Err() error { return nil }

// RecordingService is a fake room.RecordingService: it hands out Recorders and remembers what
// it was asked.
type RecordingService struct {
	// Fail, if set, is returned by Start.
	Fail error

	mu       sync.Mutex // guards the following fields
	started  []room.RecordingStart
	finished []room.Recorder
	n        int
}

var _ room.RecordingService = (*RecordingService)(nil)

// Start implements room.RecordingService.
func (s *RecordingService) Start(_ context.Context, p room.RecordingStart) (room.Recorder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Fail != nil {
		return nil, s.Fail
	}
	s.started = append(s.started, p)
	s.n++
	r := &Recorder{id: fmt.Sprintf("RE_test%04d", s.n), start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, x := range p.Participants {
		r.Joined(x.ID, x.Name)
	}
	return r, nil
}

// Finish implements room.RecordingService.
func (s *RecordingService) Finish(_ context.Context, r room.Recorder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished = append(s.finished, r)
}

// Started returns the recordings started.
func (s *RecordingService) Started() []room.RecordingStart {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]room.RecordingStart(nil), s.started...)
}

// Finished returns the recordings finished.
func (s *RecordingService) Finished() []room.Recorder {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]room.Recorder(nil), s.finished...)
}
