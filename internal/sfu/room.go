package sfu

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"visio/internal/routine"
)

// Room routes the tracks of its peers: every track a peer publishes is forwarded to every other
// peer of the room.
type Room struct {
	id      string
	engine  *Engine
	metrics *Metrics
	log     *slog.Logger
	handler RoomHandler
	tap     audioTap       // live transcription's view of the audio (tap.go)
	group   *routine.Group // the room's tick

	mu     sync.Mutex // guards the following fields
	peers  map[string]*Peer
	tracks map[string]*publishedTrack
	closed bool
}

// NewRoom creates an empty media room. h (which may be nil) receives its events. Close it when
// done.
func (e *Engine) NewRoom(id string, h RoomHandler) *Room {
	r := &Room{
		id:      id,
		engine:  e,
		metrics: e.metrics,
		log:     e.log.With("room", id),
		handler: h,
		group:   routine.NewGroup(context.Background()),
		peers:   make(map[string]*Peer),
		tracks:  make(map[string]*publishedTrack),
	}
	r.group.Go(r.run)
	return r
}

// run ticks the room's periodic work until Close.
func (r *Room) run(ctx context.Context) {
	t := time.NewTicker(roomTick)
	defer t.Stop()
	st := &roomState{speakers: map[string]*speakerState{}, layers: map[string][maxLayers]bool{}}
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			r.tick(st, now)
		}
	}
}

// publish makes t available to every other peer of the room.
func (r *Room) publish(t *publishedTrack) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.tracks[t.id] = t
	peers := r.peerList()
	r.mu.Unlock()
	r.metrics.Tracks.Inc()
	for _, p := range peers {
		if p.id != t.ownerID {
			p.subscribe(t)
		}
	}
}

// unpublish stops forwarding t and removes it from every subscriber.
func (r *Room) unpublish(t *publishedTrack) {
	t.close()
	r.mu.Lock()
	_, ok := r.tracks[t.id]
	delete(r.tracks, t.id)
	peers := r.peerList()
	r.mu.Unlock()
	if !ok {
		return
	}
	r.metrics.Tracks.Dec()
	for _, p := range peers {
		p.unsubscribe(t)
	}
}

// addPeer registers p and subscribes it to the tracks already published.
func (r *Room) addPeer(p *Peer) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	r.peers[p.id] = p
	tracks := make([]*publishedTrack, 0, len(r.tracks))
	for _, t := range r.tracks {
		tracks = append(tracks, t)
	}
	r.mu.Unlock()
	for _, t := range tracks {
		if t.ownerID != p.id {
			p.subscribe(t)
		}
	}
	return nil
}

func (r *Room) removePeer(p *Peer) {
	r.mu.Lock()
	if r.peers[p.id] == p {
		delete(r.peers, p.id)
	}
	r.mu.Unlock()
}

// peerList returns the peers; r.mu must be held.
func (r *Room) peerList() []*Peer {
	list := make([]*Peer, 0, len(r.peers))
	for _, p := range r.peers {
		list = append(list, p)
	}
	return list
}

// Close closes every peer of the room and stops its goroutine. It is safe to call twice.
func (r *Room) Close() {
	r.mu.Lock()
	r.closed = true
	peers := r.peerList()
	r.mu.Unlock()
	for _, p := range peers {
		p.Close()
	}
	r.group.Close()
}
