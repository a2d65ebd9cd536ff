package roomtest

import (
	"errors"
	"sync"

	"visio/internal/room"
)

// ErrNoPeer is what Media.NewPeer returns when told to fail.
var ErrNoPeer = errors.New("roomtest: no peer")

// Media is a fake media side: one Room per meeting, one Peer per participant.
type Media struct {
	mu    sync.Mutex // guards the following fields
	rooms map[string][]*Room
	// FailPeers makes NewPeer fail.
	FailPeers bool
}

// NewMedia returns a fake media side.
func NewMedia() *Media { return &Media{rooms: map[string][]*Room{}} }

// Factory is the room.MediaFactory to give room.New.
func (m *Media) Factory(code string, events room.MediaEvents) room.Media {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := &Room{media: m, Events: events, peers: map[string]*Peer{}}
	m.rooms[code] = append(m.rooms[code], r)
	return r
}

// Rooms returns the media rooms opened for code, oldest first.
func (m *Media) Rooms(code string) []*Room {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Room(nil), m.rooms[code]...)
}

// Open returns how many media rooms are open, all meetings together.
func (m *Media) Open() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, list := range m.rooms {
		for _, r := range list {
			if !r.Closed() {
				n++
			}
		}
	}
	return n
}

// Room is a fake media room.
type Room struct {
	media *Media
	// Events receives the room's events (speakers).
	Events room.MediaEvents

	mu     sync.Mutex // guards the following fields
	peers  map[string]*Peer
	tapped bool
	closed bool
	rec    recordingState // recording.go
}

var _ room.Media = (*Room)(nil)

// NewPeer implements room.Media.
func (r *Room) NewPeer(id string, events room.PeerEvents) (room.Peer, error) {
	r.media.mu.Lock()
	fail := r.media.FailPeers
	r.media.mu.Unlock()
	if fail {
		return nil, ErrNoPeer
	}
	p := &Peer{ID: id, Events: events, muted: map[room.Source]bool{}}
	r.mu.Lock()
	r.peers[id] = p
	r.mu.Unlock()
	return p, nil
}

// SetAudioTap implements room.Media.
func (r *Room) SetAudioTap(tap room.AudioTap) {
	r.mu.Lock()
	r.tapped = tap != nil
	r.mu.Unlock()
}

// Close implements room.Media.
func (r *Room) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
}

// Closed reports whether the room was closed.
func (r *Room) Closed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// Tapped reports whether an audio tap is set.
func (r *Room) Tapped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tapped
}

// Peer returns participant id's peer, or nil.
func (r *Room) Peer(id string) *Peer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peers[id]
}

// Peer is a fake peer that records what the meeting asked of it.
type Peer struct {
	ID     string
	Events room.PeerEvents

	mu                 sync.Mutex // guards the following fields
	started, closed    bool
	publish, subscribe bool
	muted              map[room.Source]bool
	tracks             []room.Track
	resumed            int
}

var _ room.Peer = (*Peer)(nil)

// Start implements room.Peer.
func (p *Peer) Start() error { p.mu.Lock(); p.started = true; p.mu.Unlock(); return nil }

// Permit implements room.Peer.
func (p *Peer) Permit(publish, subscribe bool) {
	p.mu.Lock()
	p.publish, p.subscribe = publish, subscribe
	p.mu.Unlock()
	p.Events.OnTracksChanged()
}

// Mute implements room.Peer.
func (p *Peer) Mute(source room.Source, muted bool) {
	p.mu.Lock()
	p.muted[source] = muted
	for i := range p.tracks {
		if p.tracks[i].Source == source {
			p.tracks[i].Muted = muted
		}
	}
	p.mu.Unlock()
	p.Events.OnTracksChanged()
}

// Tracks implements room.Peer.
func (p *Peer) Tracks() []room.Track {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]room.Track(nil), p.tracks...)
}

// Resume implements room.Peer.
func (p *Peer) Resume() { p.mu.Lock(); p.resumed++; p.mu.Unlock() }

// Close implements room.Peer.
func (p *Peer) Close() { p.mu.Lock(); p.closed = true; p.mu.Unlock() }

// Publish makes the peer publish a track of source, as if its client sent one.
func (p *Peer) Publish(id string, source room.Source) {
	p.mu.Lock()
	p.tracks = append(p.tracks, room.Track{ID: id, Source: source, Muted: p.muted[source]})
	p.mu.Unlock()
	p.Events.OnTracksChanged()
}

// Muted reports whether the meeting muted source.
func (p *Peer) Muted(source room.Source) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.muted[source]
}

// Permitted returns what the meeting last permitted.
func (p *Peer) Permitted() (publish, subscribe bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.publish, p.subscribe
}

// State reports whether the peer was started and closed, and how often it was resumed.
func (p *Peer) State() (started, closed bool, resumed int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.started, p.closed, p.resumed
}
