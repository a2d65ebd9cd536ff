package signal

import (
	"sort"
	"time"

	"visio/internal/ids"
)

// lobbyRequest is someone waiting to be let in. They have a session but no participant and no
// media until a moderator admits them.
type lobbyRequest struct {
	id      string
	conf    *conference
	session *session
	entrant Entrant
	at      time.Time
	timer   *time.Timer // the lobby timeout

	p *participant // set when admitted; guarded by conf.mu
}

func errRemoved() *ProtocolError {
	return &ProtocolError{Code: CodeRemoved, Message: "you were removed from this meeting", Fatal: true}
}

// join lets entrant e in at once, or puts them in the lobby. It returns the participant, or
// the lobby request.
func (c *conference) join(s *session, e Entrant) (*participant, *lobbyRequest, error) {
	c.mu.Lock()
	switch {
	case c.closed:
		c.mu.Unlock()
		return nil, nil, errConferenceClosed
	case c.removed[e.ID]:
		c.mu.Unlock()
		return nil, nil, errRemoved()
	case c.locked && !e.Moderate:
		c.mu.Unlock()
		return nil, nil, &ProtocolError{Code: CodeRoomLocked, Message: "the meeting is locked", Fatal: true}
	case e.Direct || e.Moderate:
		c.mu.Unlock()
		p, err := c.enter(s, e, nil)
		return p, nil, err
	}
	if !c.hub.knocks.allow(e.ID, s.addr) {
		c.mu.Unlock()
		return nil, nil, &ProtocolError{Code: CodeRateLimited, Message: "too many requests to enter; wait a minute", Fatal: true}
	}
	req := &lobbyRequest{id: ids.New("LR_"), conf: c, session: s, entrant: e, at: time.Now().UTC().Truncate(time.Second)}
	c.lobby[req.id] = req
	req.timer = time.AfterFunc(c.hub.cfg.LobbyTimeout, func() { c.settleOne(req, "timeout") })
	moderators := c.sendModeratorsLocked(req.json("lobby_request"))
	s.send(LobbyWaiting{Type: "lobby", State: "waiting", RequestID: req.id, ModeratorsPresent: moderators > 0})
	s.send(c.recordingStateLocked(nil)) // those waiting know whether the meeting is recorded
	c.mu.Unlock()
	c.hub.log.Info("waiting in the lobby", "room", c.code, "request", req.id, "signed_in", e.SignedIn)
	return nil, req, nil
}

func (r *lobbyRequest) json(typ string) LobbyRequestJSON {
	return LobbyRequestJSON{Type: typ, RequestID: r.id, Name: r.entrant.Name, SignedIn: r.entrant.SignedIn, RequestedAt: r.at}
}

// admitted returns the participant r became, or nil while it waits.
func (c *conference) admitted(r *lobbyRequest) *participant {
	c.mu.Lock()
	defer c.mu.Unlock()
	return r.p
}

// decide admits or denies lobby requests on behalf of moderator actor.
func (c *conference) decide(actor *participant, d *LobbyDecision) error {
	c.mu.Lock()
	if c.participants[actor.id] != actor || !actor.moderate {
		c.mu.Unlock()
		return errForbidden()
	}
	var reqs []*lobbyRequest
	if d.All {
		for _, r := range c.lobby {
			reqs = append(reqs, r)
		}
		sort.Slice(reqs, func(i, j int) bool { return reqs[i].at.Before(reqs[j].at) })
	} else {
		for _, id := range d.RequestIDs {
			if r := c.lobby[id]; r != nil {
				reqs = append(reqs, r)
				delete(c.lobby, id) // a repeated id counts once
			}
		}
	}
	state := "denied"
	if d.Admit {
		state = "admitted"
	}
	for _, r := range reqs {
		delete(c.lobby, r.id)
		r.timer.Stop()
		c.sendModeratorsLocked(LobbyUpdate{Type: "lobby_update", RequestID: r.id, State: state, ActorID: actor.id, ActorName: actor.name})
	}
	c.mu.Unlock()
	for _, r := range reqs {
		c.hub.log.Info("lobby request settled", "room", c.code, "request", r.id, "state", state, "by", actor.id)
		if !d.Admit {
			r.session.closeWith(Denied{Type: "denied", Reason: "denied", Message: "A moderator declined your request to enter."})
			continue
		}
		if _, err := c.enter(r.session, r.entrant, r); err != nil {
			pe, ok := err.(*ProtocolError)
			if !ok {
				pe = &ProtocolError{Code: CodeServerError, Message: "could not let you in; join again"}
			}
			r.session.fail(pe)
			// The moderators were told "admitted": correct that.
			c.mu.Lock()
			c.sendModeratorsLocked(LobbyUpdate{Type: "lobby_update", RequestID: r.id, State: "failed", ActorID: actor.id, ActorName: actor.name, Reason: pe.Code})
			c.mu.Unlock()
		}
	}
	return nil
}

// settleOne ends request r without a moderator: "timeout" (the person is told) or "left".
func (c *conference) settleOne(r *lobbyRequest, state string) {
	c.mu.Lock()
	if c.lobby[r.id] != r {
		c.mu.Unlock()
		return
	}
	delete(c.lobby, r.id)
	r.timer.Stop()
	c.sendModeratorsLocked(LobbyUpdate{Type: "lobby_update", RequestID: r.id, State: state})
	empty := len(c.participants) == 0 && len(c.lobby) == 0 && !c.closed
	if empty {
		c.closed = true
	}
	c.mu.Unlock()
	if state == "timeout" {
		r.session.closeWith(Denied{Type: "denied", Reason: "timeout", Message: "Nobody let you in in time. Ask again."})
	}
	c.hub.log.Info("lobby request settled", "room", c.code, "request", r.id, "state", state)
	if empty {
		c.hub.dropConference(c)
	}
}

// sendModeratorsLocked sends msg to every attached moderator and returns how many are in the
// meeting. c.mu must be held.
func (c *conference) sendModeratorsLocked(msg any) int {
	n := 0
	for _, p := range c.participants {
		if p.moderate {
			n++
			if p.session != nil {
				p.session.send(msg)
			}
		}
	}
	return n
}

// lobbyListLocked returns the waiting requests, oldest first. c.mu must be held.
func (c *conference) lobbyListLocked() []LobbyRequestJSON {
	list := make([]LobbyRequestJSON, 0, len(c.lobby))
	for _, r := range c.lobby {
		list = append(list, r.json(""))
	}
	sort.Slice(list, func(i, j int) bool { return list[i].RequestedAt.Before(list[j].RequestedAt) })
	return list
}

// roomJSONLocked describes the room. c.mu must be held.
func (c *conference) roomJSONLocked() RoomJSON {
	return RoomJSON{Code: c.code, Name: c.room.Name, Access: c.room.Access, Locked: c.locked}
}

// permissionsLocked lists what p may do. conf.mu must be held.
func (p *participant) permissionsLocked() []string {
	perms := make([]string, 0, 3)
	if p.publish {
		perms = append(perms, "publish")
	}
	if p.subscribe {
		perms = append(perms, "subscribe")
	}
	if p.moderate {
		perms = append(perms, "moderate")
	}
	return perms
}

func errForbidden() *ProtocolError {
	return &ProtocolError{Code: CodeForbidden, Message: "only moderators may do this"}
}
