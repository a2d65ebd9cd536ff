package cluster

import (
	"sort"
	"time"
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
}

// Status lists the nodes this node knows of, with their state and rooms, by id.
func (m *Member) Status() []NodeStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Now()
	rooms := map[string][]string{}
	for code, n := range m.placed {
		rooms[n] = append(rooms[n], code)
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
