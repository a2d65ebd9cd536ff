package room

import (
	"sort"
	"time"

	"visio/internal/ids"
)

// LobbyRequest is someone waiting to be let in. They have a connection but no participant and
// no media until a moderator admits them.
type LobbyRequest struct {
	id      string
	m       *Meeting
	conn    Conn
	entrant Entrant
	at      time.Time
	timer   Timer // the lobby timeout

	p *Participant // set when admitted; guarded by m.mu
}

// ID is the request's id, "LR_...".
func (r *LobbyRequest) ID() string { return r.id }

// Admitted returns the participant the request became, or nil while it waits.
func (r *LobbyRequest) Admitted() *Participant {
	r.m.mu.Lock()
	defer r.m.mu.Unlock()
	return r.p
}

// Leave withdraws the request (the person left or their connection closed).
func (r *LobbyRequest) Leave() { r.m.settleOne(r, "left") }

// join lets entrant e in at once, or puts them in the lobby.
func (m *Meeting) join(conn Conn, addr string, e Entrant) (*Participant, *LobbyRequest, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, nil, errClosed
	}
	returning := m.returningLocked(e.ID)
	place, waited := m.places[e.ID]
	if err := m.mayEnterLocked(e, returning || waited); err != nil {
		m.mu.Unlock()
		return nil, nil, err
	}
	if e.Direct || e.Moderate || returning {
		m.mu.Unlock()
		p, err := m.enter(conn, e, nil)
		return p, nil, err
	}
	req := &LobbyRequest{id: ids.New("LR_"), m: m, conn: conn, entrant: e, at: m.ms.clock.Now().UTC().Truncate(time.Second)}
	if waited && m.lobby[place.RequestID] == nil {
		// Back after a takeover: the same request, in the same place in the queue.
		delete(m.places, e.ID)
		req.id, req.at = place.RequestID, place.At
	} else if !m.ms.knocks.allow(e.ID, addr) {
		m.mu.Unlock()
		return nil, nil, ErrKnockLimited
	}
	m.lobby[req.id] = req
	m.persistLocked()
	req.timer = m.ms.clock.AfterFunc(m.ms.p.LobbyTimeout, func() { m.settleOne(req, "timeout") })
	moderators := m.sendModeratorsLocked(LobbyRequested{Entry: req.entry()})
	conn.Send(Waiting{RequestID: req.id, ModeratorsPresent: moderators > 0})
	conn.Send(m.recordingStateLocked(nil)) // those waiting know whether the meeting is recorded
	m.mu.Unlock()
	m.ms.log.Info("waiting in the lobby", "room", m.code, "request", req.id, "signed_in", e.SignedIn)
	return nil, req, nil
}

func (r *LobbyRequest) entry() LobbyEntry {
	return LobbyEntry{RequestID: r.id, Name: r.entrant.Name, SignedIn: r.entrant.SignedIn, RequestedAt: r.at}
}

// Decide admits or denies lobby requests, those named or all, on behalf of moderator p.
// Unknown or already settled ids are ignored.
func (p *Participant) Decide(admit bool, requestIDs []string, all bool) error {
	m := p.m
	m.mu.Lock()
	if err := m.mayModerateLocked(p); err != nil {
		m.mu.Unlock()
		return err
	}
	var reqs []*LobbyRequest
	if all {
		for _, r := range m.lobby {
			reqs = append(reqs, r)
		}
		sort.Slice(reqs, func(i, j int) bool { return reqs[i].at.Before(reqs[j].at) })
	} else {
		for _, id := range requestIDs {
			if r := m.lobby[id]; r != nil {
				reqs = append(reqs, r)
				delete(m.lobby, id) // a repeated id counts once
			}
		}
	}
	state := "denied"
	if admit {
		state = "admitted"
	}
	for _, r := range reqs {
		delete(m.lobby, r.id)
		r.timer.Stop()
		m.sendModeratorsLocked(LobbySettled{RequestID: r.id, State: state, ActorID: p.id, ActorName: p.name})
		if !admit {
			r.conn.Close(Denied{Reason: "denied", Message: "A moderator declined your request to enter."})
		}
	}
	m.persistLocked()
	m.mu.Unlock()
	for _, r := range reqs {
		m.ms.log.Info("lobby request settled", "room", m.code, "request", r.id, "state", state, "by", p.id)
		if !admit {
			continue
		}
		if _, err := m.enter(r.conn, r.entrant, r); err != nil {
			r.conn.Close(Refused{Err: err})
			// The moderators were told "admitted": correct that.
			m.mu.Lock()
			m.sendModeratorsLocked(LobbySettled{RequestID: r.id, State: "failed", ActorID: p.id, ActorName: p.name, Reason: err})
			m.mu.Unlock()
		}
	}
	return nil
}

// settleOne ends request r without a moderator: "timeout" (the person is told) or "left".
func (m *Meeting) settleOne(r *LobbyRequest, state string) {
	m.mu.Lock()
	if m.lobby[r.id] != r {
		m.mu.Unlock()
		return
	}
	delete(m.lobby, r.id)
	r.timer.Stop()
	m.persistLocked()
	m.sendModeratorsLocked(LobbySettled{RequestID: r.id, State: state})
	if state == "timeout" {
		r.conn.Close(Denied{Reason: "timeout", Message: "Nobody let you in in time. Ask again."})
	}
	empty := m.markClosedIfEmptyLocked()
	m.mu.Unlock()
	m.ms.log.Info("lobby request settled", "room", m.code, "request", r.id, "state", state)
	if empty {
		m.ms.drop(m)
	}
}

// sendModeratorsLocked sends ev to every attached moderator and returns how many moderators
// are in the meeting. m.mu must be held.
func (m *Meeting) sendModeratorsLocked(ev Event) int {
	n := 0
	for _, p := range m.participants {
		if p.perms.Moderate {
			n++
			if c := p.connLocked(); c != nil {
				c.Send(ev)
			}
		}
	}
	return n
}

// lobbyListLocked returns the waiting requests, oldest first. m.mu must be held.
func (m *Meeting) lobbyListLocked() []LobbyEntry {
	list := make([]LobbyEntry, 0, len(m.lobby))
	for _, r := range m.lobby {
		list = append(list, r.entry())
	}
	sort.Slice(list, func(i, j int) bool { return list[i].RequestedAt.Before(list[j].RequestedAt) })
	return list
}
