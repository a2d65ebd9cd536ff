package room

import (
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Participant is one person inside a meeting, with their media.
type Participant struct {
	m        *Meeting
	id       string
	name     string
	joinedAt time.Time
	subject  string // user or guest id
	signedIn bool

	// peer is the participant's current media, with its generation: a move to a breakout room
	// (breakout.go) replaces it, and the events of a replaced peer are ignored.
	peer atomic.Pointer[peerRef]

	// conn is written with m.mu held and read by the media side's callbacks without it.
	conn atomic.Pointer[connRef]

	// Guarded by m.mu.
	role       string
	perms      Permissions
	state      string
	token      string
	graceTimer Timer
	tracks     []Track       // as last read from the peer
	dirty      bool          // the peer's tracks changed since they were last read
	refreshing bool          // a goroutine is reading them
	reactions  *rate.Limiter // reactions.go, made at the first reaction
	chat       *rate.Limiter // chat.go, made at the first message
}

type connRef struct{ c Conn }

type peerRef struct {
	p   Peer
	gen uint64
}

// media is p's current peer.
func (p *Participant) media() Peer { return p.peer.Load().p }

// current reports whether events of generation gen come from p's current peer (a peer not yet
// stored is the first one, generation 0).
func (p *Participant) current(gen uint64) bool {
	r := p.peer.Load()
	return (r == nil && gen == 0) || (r != nil && r.gen == gen)
}

// connLocked is p's connection, nil while away. m.mu must be held.
func (p *Participant) connLocked() Conn {
	if r := p.conn.Load(); r != nil {
		return r.c
	}
	return nil
}

func (p *Participant) setConnLocked(c Conn) {
	if c == nil {
		p.conn.Store(nil)
		return
	}
	p.conn.Store(&connRef{c: c})
}

// ID is the participant's id, "PA_...".
func (p *Participant) ID() string { return p.id }

// Peer is the participant's media, for the signalling layer's negotiation.
func (p *Participant) Peer() Peer { return p.media() }

// Leave takes the participant out of the meeting.
func (p *Participant) Leave() { p.m.remove(p, "left") }

// Detach is called when conn, the participant's connection, ended without a leave: the
// participant keeps its place for the reconnect grace period. A connection already replaced
// changes nothing.
func (p *Participant) Detach(conn Conn) { p.m.detach(p, conn) }

// Mute reports the participant's own mute or unmute of a source.
func (p *Participant) Mute(source Source, muted bool) { p.media().Mute(source, muted) }

// infoLocked describes p. m.mu must be held.
func (p *Participant) infoLocked() ParticipantInfo {
	return ParticipantInfo{ID: p.id, Name: p.name, State: p.state, JoinedAt: p.joinedAt, Role: p.role,
		SignedIn: p.signedIn, Tracks: append([]Track{}, p.tracks...)}
}

// tracksChanged reads p's tracks and tells everyone, p included. One goroutine reads at a
// time, and reads again if they changed meanwhile, so the last state is always the one sent;
// the peer is read without m.mu.
func (p *Participant) tracksChanged() {
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.participants[p.id] != p {
		return
	}
	p.dirty = true
	if p.refreshing {
		return
	}
	p.refreshing = true
	for p.dirty && m.participants[p.id] == p {
		p.dirty = false
		m.mu.Unlock()
		tracks := p.media().Tracks()
		m.mu.Lock()
		p.tracks = tracks
		if m.participants[p.id] == p {
			ev := ParticipantUpdated{Participant: p.infoLocked()}
			m.broadcastLocked(nil, ev)
		}
	}
	p.refreshing = false
}

// peerEvents receives the media side's events for p.
type peerEvents struct {
	p   *Participant
	gen uint64 // of the peer these events are for
}

// OnOffer sends a subscriber offer to p's client, if attached. A participant that is away gets
// the offer again when it resumes (Peer.Resume).
func (e peerEvents) OnOffer(sdp string) {
	if !e.p.current(e.gen) {
		return
	}
	if r := e.p.conn.Load(); r != nil {
		r.c.Send(Offer{SDP: sdp})
	}
}

// OnLayers tells p which simulcast layers of its track others need.
func (e peerEvents) OnLayers(trackID string, rids []string) {
	if !e.p.current(e.gen) {
		return
	}
	if r := e.p.conn.Load(); r != nil {
		r.c.Send(Layers{TrackID: trackID, Active: append([]string(nil), rids...)})
	}
}

// OnTracksChanged tells the meeting that p's tracks changed.
func (e peerEvents) OnTracksChanged() {
	if e.p.current(e.gen) {
		e.p.tracksChanged()
	}
}
