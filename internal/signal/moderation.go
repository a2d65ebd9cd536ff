package signal

import (
	"context"

	"visio/internal/sfu"
)

// moderate carries out moderator actor's action and tells everyone.
func (c *conference) moderate(ctx context.Context, actor *participant, m *Moderate) error {
	c.mu.Lock()
	if c.participants[actor.id] != actor || !actor.moderate {
		c.mu.Unlock()
		return errForbidden()
	}
	ev := Moderation{Type: "moderation", Action: m.Action, ActorID: actor.id, ActorName: actor.name}
	var target *participant
	if _, one := actionTargetsOne(m.Action); one {
		target = c.participants[m.ParticipantID]
		if target == nil {
			c.mu.Unlock()
			return &ProtocolError{Code: CodeUnknownParticipant, Message: "no such participant in this meeting"}
		}
		if target.role == roleOwner && target != actor {
			c.mu.Unlock()
			return &ProtocolError{Code: CodeForbidden, Message: "the owner of the room cannot be moderated"}
		}
		if m.Action == ActionRemove && target == actor {
			c.mu.Unlock()
			return &ProtocolError{Code: CodeForbidden, Message: "leave instead of removing yourself"}
		}
		ev.TargetID, ev.TargetName = target.id, target.name
	}
	var muteAll []*participant
	switch m.Action {
	case ActionLock, ActionUnlock:
		c.locked = m.Action == ActionLock
	case ActionPromote:
		target.moderate = true
		if target.role != roleOwner {
			target.role = roleAdmin
		}
	case ActionRemove:
		c.removed[target.subject] = true
	case ActionMuteAll:
		for _, p := range c.participants {
			if !p.moderate {
				muteAll = append(muteAll, p)
			}
		}
	}
	c.broadcastLocked(nil, ev)
	switch m.Action {
	case ActionLock, ActionUnlock:
		c.broadcastLocked(nil, RoomUpdated{Type: "room_updated", Room: c.roomJSONLocked()})
	case ActionPromote:
		c.broadcastLocked(nil, ParticipantEvent{Type: "participant_updated", Participant: target.infoLocked()})
		if target.session != nil {
			for _, r := range c.lobbyListLocked() {
				r.Type = "lobby_request"
				target.session.send(r)
			}
		}
	}
	c.mu.Unlock()
	c.hub.log.Info("moderation", "room", c.code, "action", m.Action, "by", actor.id, "target", ev.TargetID)

	switch m.Action {
	case ActionMute:
		target.peer.SetMuted(sfu.SourceMicrophone, true)
	case ActionCameraOff:
		target.peer.SetMuted(sfu.SourceCamera, true)
	case ActionStopScreen:
		target.peer.SetMuted(sfu.SourceScreen, true)
		target.peer.SetMuted(sfu.SourceScreenAudio, true)
	case ActionMuteAll:
		for _, p := range muteAll {
			p.peer.SetMuted(sfu.SourceMicrophone, true)
		}
	case ActionRemove:
		// Cut the media first: nothing flows either way from now on.
		target.peer.SetPermissions(map[sfu.Source]bool{}, false)
		c.mu.Lock()
		s := target.session
		c.mu.Unlock()
		if s != nil {
			s.closeWith(Bye{Type: "bye", Reason: "removed", Message: "A moderator removed you from this meeting."})
		}
		c.remove(target, "removed")
	case ActionPromote:
		if target.signedIn {
			if err := c.hub.gate.Promote(ctx, c.code, target.subject); err != nil {
				c.hub.log.Warn("save promotion", "room", c.code, "participant", target.id, "err", err)
			}
		}
	case ActionEnd:
		c.closeAll("ended", "A moderator ended the meeting for everyone.")
	}
	return nil
}
