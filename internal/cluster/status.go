package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Node states, as Status reports them.
const (
	StateAlive        = "alive"
	StateDraining     = "draining"
	StateLost         = "lost"
	StateIncompatible = "incompatible"
)

// NodeStatus is one node as this node sees it.
type NodeStatus struct {
	NodeInfo
	State string `json:"state"`
	// Silent is how long ago the node was last heard from.
	Silent time.Duration `json:"silent_ns"`
	// Placed are the rooms placed on the node.
	Placed []string `json:"placed"`
	// Rooms are the placed rooms' live figures, as the node answered them (ReadLive).
	Rooms []RoomLive `json:"rooms,omitempty"`
}

// Status lists the nodes this node knows of, with their state and rooms, by id.
func (m *Member) Status() []NodeStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Now()
	rooms := map[string][]string{}
	for code, p := range m.placed {
		rooms[p.Node] = append(rooms[p.Node], code)
	}
	out := make([]NodeStatus, 0, len(m.view))
	for id, p := range m.view {
		s := NodeStatus{NodeInfo: p.info, Silent: now.Sub(p.seen), Placed: rooms[id]}
		sort.Strings(s.Placed)
		switch {
		case p.info.Protocol != ProtocolVersion:
			s.State = StateIncompatible
		case s.Silent > m.cfg.DeadAfter:
			s.State = StateLost
		case p.info.Draining:
			s.State = StateDraining
		default:
			s.State = StateAlive
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ReadStatus reads the node registry and the room placements once, without joining, as an
// operator's tool does. A node is lost if its last announcement is older than deadAfter (by
// this machine's clock). Entries that fail their checks are left out and logged to log.
func ReadStatus(ctx context.Context, bus *Bus, key []byte, deadAfter time.Duration, log *slog.Logger) ([]NodeStatus, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m := &Member{bus: bus, seal: sealer{key}, log: log, snapshot: true, view: map[string]*peer{}, placed: map[string]placement{},
		cfg: Config{DeadAfter: deadAfter, Now: time.Now}}
	for bucket, apply := range map[string]func(jetstream.KeyValueEntry){nodesBucket: m.onNode, roomsBucket: m.onRoom} {
		kv, err := bus.JS.KeyValue(ctx, bucket)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			continue // no node has joined yet
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, bucket, err)
		}
		keys, err := kv.ListKeys(ctx)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, bucket, err)
		}
		for k := range keys.Keys() {
			e, err := kv.Get(ctx, k)
			if errors.Is(err, jetstream.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("%w: %s/%s: %v", ErrUnreachable, bucket, k, err)
			}
			apply(e)
		}
	}
	return m.Status(), nil
}
