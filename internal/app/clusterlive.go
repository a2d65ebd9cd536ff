package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"visio/internal/cluster"
	"visio/internal/signal"
)

// liveReuse is how long a room's figures asked of another node are reused: the API reads a
// room's count and lock one after the other, which makes one request. A room's own node always
// answers with its figures of the moment.
const liveReuse = 250 * time.Millisecond

// liveRooms gives the API a room's live figures (participants, lock) whichever node the request
// reaches: this node's own for its rooms, the room's node's otherwise, asked over NATS
// (ADR 0004).
type liveRooms struct {
	hub    *signal.Hub
	member *cluster.Member
	log    *slog.Logger

	mu     sync.Mutex // guards recent
	recent map[string]liveAnswer
}

type liveAnswer struct {
	live cluster.Live
	at   time.Time
}

// serveLive answers the other nodes for this node's rooms, and returns the API's view of every
// room's live figures.
func (n *node) serveLive(hub *signal.Hub) (*liveRooms, error) {
	l := &liveRooms{hub: hub, member: n.member, log: n.log, recent: map[string]liveAnswer{}}
	if err := n.member.ServeLive(l.local); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *liveRooms) local(code, subject string) cluster.Live {
	live := cluster.Live{Participants: l.hub.Participants(code), Locked: l.hub.Locked(code)}
	if subject != "" {
		live.LockedOut = l.hub.LockedOut(code, subject)
	}
	return live
}

// Participants returns how many people are in the meeting now, on whichever node it runs.
func (l *liveRooms) Participants(code string) int { return l.figures(code, "").Participants }

// Locked reports whether a moderator locked the meeting in progress, on whichever node it runs.
func (l *liveRooms) Locked(code string) bool { return l.figures(code, "").Locked }

// LockedOut reports whether the meeting is locked to subject, who was neither in it nor in its
// lobby, on whichever node it runs.
func (l *liveRooms) LockedOut(code, subject string) bool { return l.figures(code, subject).LockedOut }

func (l *liveRooms) figures(code, subject string) cluster.Live {
	now := time.Now()
	key := code + "\x00" + subject
	l.mu.Lock()
	a, ok := l.recent[key]
	l.mu.Unlock()
	if ok && now.Sub(a.at) < liveReuse {
		return a.live
	}
	live, asked, err := l.member.LiveOf(context.Background(), code, subject, l.local)
	if !asked {
		return live
	}
	if err != nil {
		// The room's node did not answer in time: it is going, and its participants with it.
		l.log.Debug("cluster: live figures of a room on another node", "room", code, "err", err)
		return l.local(code, subject)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.recent) >= 256 {
		for c, a := range l.recent {
			if now.Sub(a.at) >= liveReuse {
				delete(l.recent, c)
			}
		}
	}
	l.recent[key] = liveAnswer{live: live, at: now}
	return live
}
