package room

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"visio/internal/routine"
	"visio/internal/store"
)

// Config holds the meeting's rules that the operator sets.
type Config struct {
	// MaxParticipants is the most participants one meeting holds.
	MaxParticipants int
	// ReconnectGrace is how long a participant whose connection dropped keeps its place.
	ReconnectGrace time.Duration
	// LobbyTimeout is how long someone waits in the lobby before being told nobody let them in.
	LobbyTimeout time.Duration
}

// Params are what Meetings is built from.
type Params struct {
	Config
	// Media opens the media side of each new meeting; required.
	Media MediaFactory
	// Roles records promotions of signed-in users (nil: not recorded).
	Roles Roles
	// Clock runs the timers (nil: the system clock).
	Clock Clock
	// Transcription enables live transcription (nil: unavailable).
	Transcription *Transcription
	// Recording enables recording (nil: unavailable; recording.go).
	Recording *Recording
	// ChatArchive keeps the chats moderators choose to keep (nil: chats are never kept;
	// chat.go).
	ChatArchive ChatArchive
	// State keeps the meeting state that outlives this node (nil: kept in memory only).
	State store.MeetingStates
	// Rooms and Participants count live meetings and their participants (nil: not counted).
	Rooms, Participants Gauge
	Log                 *slog.Logger
}

// Meetings holds the live meetings of this server, by room code. A meeting exists from the
// first entry of someone whose join token was accepted until nobody is in it, in its lobby or
// in reconnect grace.
type Meetings struct {
	p      Params
	clock  Clock
	knocks *knockLimiter
	group  *routine.Group // timers' callbacks and transcripts being finished
	log    *slog.Logger

	frozen atomic.Bool // shutting down: meeting states are no longer written (persist.go)

	mu       sync.Mutex // guards the following fields; never held with Meeting.mu
	live     map[string]*Meeting
	shutdown bool
}

type nopGauge struct{}

func (nopGauge) Inc() {}
func (nopGauge) Dec() {}

// New returns an empty set of meetings. Call Shutdown when done.
func New(p Params) *Meetings {
	if p.LobbyTimeout <= 0 {
		p.LobbyTimeout = 10 * time.Minute
	}
	if p.MaxParticipants <= 0 {
		p.MaxParticipants = 100
	}
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	if p.Rooms == nil {
		p.Rooms = nopGauge{}
	}
	if p.Participants == nil {
		p.Participants = nopGauge{}
	}
	ms := &Meetings{p: p, log: p.Log, group: routine.NewGroup(context.Background()), live: map[string]*Meeting{}}
	ms.clock = p.Clock
	if ms.clock == nil {
		ms.clock = systemClock{g: ms.group}
	}
	ms.knocks = newKnockLimiter(ms.clock.Now)
	ms.SetTranscription(p.Transcription)
	ms.SetRecording(p.Recording)
	return ms
}

// Join lets entrant e, whose join token was accepted, into meeting code through conn: at once,
// or into the lobby. It returns the participant or the lobby request. addr is the client's
// address, for the lobby's rate limit. The meeting is opened if it is not live.
func (ms *Meetings) Join(code, addr string, conn Conn, e Entrant) (*Participant, *LobbyRequest, error) {
	for range 3 {
		m, err := ms.open(code)
		if err != nil {
			return nil, nil, err
		}
		p, req, err := m.join(conn, addr, e)
		if err == errClosed {
			continue // the meeting closed as we arrived: a new one is opened
		}
		if err != nil {
			m.closeIfEmpty()
			return nil, nil, err
		}
		return p, req, nil
	}
	return nil, nil, ErrTryAgain
}

// Resume re-attaches the participant holding token, in reconnect grace or still attached
// elsewhere, to conn. It never opens a meeting: a token for no live meeting is expired.
func (ms *Meetings) Resume(code, token string, conn Conn) (*Participant, error) {
	ms.mu.Lock()
	m := ms.live[code]
	ms.mu.Unlock()
	if m == nil {
		return nil, ErrResumeExpired
	}
	return m.resume(conn, token)
}

// LockedOut reports whether the live meeting code is locked to subject (a user or guest id)
// who is not a moderator: true unless subject is or was in the meeting, or waits or waited in
// its lobby (someone coming back after a lost connection or a takeover enters a locked meeting).
// Someone removed is not locked out here: joining tells them they were removed.
func (ms *Meetings) LockedOut(code, subject string) bool {
	m := ms.get(code)
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.locked || m.returningLocked(subject) {
		return false
	}
	if _, waited := m.places[subject]; waited {
		return false
	}
	for _, r := range m.lobby {
		if r.entrant.ID == subject {
			return false
		}
	}
	return true
}

// Locked reports whether a moderator locked the live meeting code.
func (ms *Meetings) Locked(code string) bool {
	if m := ms.get(code); m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.locked
	}
	return false
}

// Participants returns how many participants are in meeting code, those in grace included.
func (ms *Meetings) Participants(code string) int {
	if m := ms.get(code); m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		return len(m.participants)
	}
	return 0
}

// Live returns how many meetings are live.
func (ms *Meetings) Live() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return len(ms.live)
}

func (ms *Meetings) get(code string) *Meeting {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.live[code]
}

// open returns the live meeting code, opening it if needed: with the state another node left,
// if any (read without ms.mu).
func (ms *Meetings) open(code string) (*Meeting, error) {
	ms.mu.Lock()
	m, shutdown := ms.live[code], ms.shutdown
	ms.mu.Unlock()
	if shutdown {
		return nil, ErrShuttingDown
	}
	if m != nil {
		return m, nil
	}
	r := ms.loadState(code)
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.shutdown {
		return nil, ErrShuttingDown
	}
	m = ms.live[code]
	if m == nil {
		m = newMeeting(ms, code, r)
		ms.live[code] = m
		ms.p.Rooms.Inc()
	}
	return m, nil
}

// drop forgets m, which was marked closed, and closes its media. Called without m.mu.
func (ms *Meetings) drop(m *Meeting) {
	ms.mu.Lock()
	if ms.live[m.code] == m {
		delete(ms.live, m.code)
		ms.p.Rooms.Dec()
	}
	ms.mu.Unlock()
	m.endState()
	m.endTranscription()
	m.endRecording()
	m.endBreakouts()
	m.media.Close()
	ms.log.Info("room closed", "room", m.code)
}

// SetMeetingStates keeps the meeting state that outlives this node in s. Call it before the
// first Join.
func (ms *Meetings) SetMeetingStates(s store.MeetingStates) { ms.p.State = s }

// SetTranscription enables live transcription. Call it before the first Join.
func (ms *Meetings) SetTranscription(t *Transcription) {
	if t != nil {
		t.defaults(ms.log)
	}
	ms.p.Transcription = t
}

// Shutdown tells everyone the server is going away and closes every meeting; no meeting opens
// from then on. Wait then waits for what the meetings left running.
func (ms *Meetings) Shutdown() {
	ms.mu.Lock()
	ms.shutdown = true
	list := make([]*Meeting, 0, len(ms.live))
	for _, m := range ms.live {
		list = append(list, m)
	}
	ms.mu.Unlock()
	// The states as they are now are what the nodes taking the meetings over start from:
	// written once more, then no more (closing the meetings below changes nothing there).
	for _, m := range list {
		m.flushState(context.Background())
	}
	ms.frozen.Store(true)
	for _, m := range list {
		m.closeAll("shutdown", "The server is restarting. Rejoin in a moment.")
	}
}

// Wait waits for the timers that fired and the transcripts being finished, or for ctx to end.
func (ms *Meetings) Wait(ctx context.Context) error { return ms.group.Wait(ctx) }

// Close cancels what is still running (transcripts being finished are written as they are)
// and waits for it. Call it after Shutdown.
func (ms *Meetings) Close() { ms.group.Close() }
