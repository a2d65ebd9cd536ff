package cluster

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// Live is a meeting's live state as the node holding it knows it: what the API shows of a room
// whichever node the request reaches.
type Live struct {
	Participants int  `json:"participants"`
	Locked       bool `json:"locked"`
	// LockedOut: the meeting is locked to the person asked about (a user or guest id), who was
	// neither in it nor waiting in its lobby: they may not enter.
	LockedOut bool `json:"locked_out,omitempty"`
}

// LiveTimeout bounds a request for a room's live figures to its node.
const LiveTimeout = 500 * time.Millisecond

// liveRequest asks a node for one of its rooms' live figures; the reply repeats the nonce, so
// that an old reply cannot answer a new request.
type liveRequest struct {
	Room    string `json:"room"`
	Subject string `json:"subject,omitempty"` // the person asking to enter, if any
	Nonce   string `json:"nonce"`
}

type liveReply struct {
	Room  string `json:"room"`
	Nonce string `json:"nonce"`
	Live
}

// liveSubject is where node id answers for its rooms. Node ids may hold any character; the
// subject holds them hex-encoded.
func liveSubject(id string) string { return "visio.live." + hex.EncodeToString([]byte(id)) }

// ServeLive answers other nodes' requests for the live figures of rooms held here, with
// figures (for the person subject when not empty), until the bus closes. Requests and replies are signed under the cluster key: a client
// of the NATS server that is not a node learns nothing and cannot answer in a node's name.
func (m *Member) ServeLive(figures func(code, subject string) Live) error {
	_, err := m.bus.Conn.Subscribe(liveSubject(m.ID()), func(msg *nats.Msg) {
		var req liveRequest
		if err := m.seal.open(msg.Data, &req); err != nil {
			m.cfg.Metrics.bad("forged")
			return
		}
		b, err := m.seal.seal(liveReply{Room: req.Room, Nonce: req.Nonce, Live: figures(req.Room, req.Subject)})
		if err == nil {
			_ = msg.Respond(b)
		}
	})
	if err != nil {
		return fmt.Errorf("%w: answer for live rooms: %v", ErrUnreachable, err)
	}
	return nil
}

// LiveOf returns room code's live figures (for the person subject when not empty): local's when the room is placed on this node or on
// none, nothing when its node is lost (nobody is in a meeting there), and otherwise its node's
// answer, asked over NATS within LiveTimeout; asked says which.
func (m *Member) LiveOf(ctx context.Context, code, subject string, local func(code, subject string) Live) (live Live, asked bool, err error) {
	m.mu.Lock()
	p, placed := m.placed[code]
	var alive bool
	if placed && p.Node != m.cfg.Node.ID {
		_, alive = m.aliveLocked(p.Node, m.cfg.Now())
	}
	m.mu.Unlock()
	switch {
	case !placed || p.Node == m.cfg.Node.ID:
		return local(code, subject), false, nil
	case !alive:
		return Live{}, false, nil
	}
	live, err = askLive(ctx, m.bus, m.seal, m.cfg.Metrics, p.Node, code, subject)
	return live, true, err
}

// askLive asks node for the live figures of its room code (for subject, if not empty), within
// LiveTimeout.
func askLive(ctx context.Context, bus *Bus, seal sealer, metrics *Metrics, node, code, subject string) (Live, error) {
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce)
	req := liveRequest{Room: code, Subject: subject, Nonce: base64.RawURLEncoding.EncodeToString(nonce)}
	b, err := seal.seal(req)
	if err != nil {
		return Live{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, LiveTimeout)
	defer cancel()
	msg, err := bus.Conn.RequestWithContext(ctx, liveSubject(node), b)
	if err != nil {
		return Live{}, fmt.Errorf("%w: live figures of room %s from node %s: %v", ErrUnreachable, code, node, err)
	}
	var rep liveReply
	if err := seal.open(msg.Data, &rep); err != nil {
		metrics.bad("forged")
		return Live{}, err
	}
	if rep.Room != req.Room || rep.Nonce != req.Nonce {
		return Live{}, fmt.Errorf("%w: live figures of room %s: the reply answers another request", ErrBadEntry, code)
	}
	return rep.Live, nil
}

// RoomLive is a room's live figures in a node's status, or why they are missing.
type RoomLive struct {
	Code string `json:"code"`
	Live
	Error string `json:"error,omitempty"`
}

// ReadLive asks every alive or draining node of nodes for the live figures of the rooms placed
// on it (a few at once, each within LiveTimeout) and lists them in its Rooms, as an operator's
// tool does. key is the cluster key.
func ReadLive(ctx context.Context, bus *Bus, key []byte, nodes []NodeStatus) {
	seal := sealer{key}
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range nodes {
		n := &nodes[i]
		if n.State != StateAlive && n.State != StateDraining {
			continue
		}
		n.Rooms = make([]RoomLive, len(n.Placed))
		for j, code := range n.Placed {
			n.Rooms[j].Code = code
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				live, err := askLive(ctx, bus, seal, nil, n.ID, code, "")
				n.Rooms[j].Live = live
				if err != nil {
					n.Rooms[j].Error = err.Error()
				}
			}()
		}
	}
	wg.Wait()
}
