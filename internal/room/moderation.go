package room

import "context"

// Moderation actions.
const (
	ActionMute       = "mute"
	ActionMuteAll    = "mute_all"
	ActionCameraOff  = "camera_off"
	ActionStopScreen = "stop_screen"
	ActionRemove     = "remove"
	ActionPromote    = "promote"
	ActionLock       = "lock"
	ActionUnlock     = "unlock"
	ActionEnd        = "end"
)

// ActionTargetsOne reports whether action is known, and whether it needs a participant.
func ActionTargetsOne(action string) (known, one bool) {
	switch action {
	case ActionMute, ActionCameraOff, ActionStopScreen, ActionRemove, ActionPromote:
		return true, true
	case ActionMuteAll, ActionLock, ActionUnlock, ActionEnd:
		return true, false
	}
	return false, false
}

// Moderate carries out moderator p's action on the meeting, or on participant targetID, and
// tells everyone.
func (p *Participant) Moderate(ctx context.Context, action, targetID string) error {
	m := p.m
	m.mu.Lock()
	if err := m.mayModerateLocked(p); err != nil {
		m.mu.Unlock()
		return err
	}
	ev := Moderated{Action: action, ActorID: p.id, ActorName: p.name}
	var target *Participant
	if _, one := ActionTargetsOne(action); one {
		if target = m.participants[targetID]; target == nil {
			m.mu.Unlock()
			return ErrUnknownParticipant
		}
		if err := mayTargetLocked(p, target, action); err != nil {
			m.mu.Unlock()
			return err
		}
		ev.TargetID, ev.TargetName = target.id, target.name
	}
	var muteAll []*Participant
	switch action {
	case ActionLock, ActionUnlock:
		m.locked = action == ActionLock
	case ActionPromote:
		target.perms.Moderate = true
		if target.role != RoleOwner {
			target.role = RoleAdmin
		}
	case ActionRemove:
		m.removed[target.subject] = true
	case ActionMuteAll:
		for _, o := range m.participants {
			if !o.perms.Moderate {
				muteAll = append(muteAll, o)
			}
		}
	}
	switch action {
	case ActionLock, ActionUnlock, ActionPromote, ActionRemove:
		m.persistLocked()
	}
	m.broadcastLocked(nil, ev)
	switch action {
	case ActionLock, ActionUnlock:
		m.broadcastLocked(nil, RoomUpdated{Room: m.roomStateLocked()})
	case ActionPromote:
		m.broadcastLocked(nil, ParticipantUpdated{Participant: target.infoLocked()})
		if c := target.connLocked(); c != nil {
			for _, e := range m.lobbyListLocked() {
				c.Send(LobbyRequested{Entry: e})
			}
		}
	}
	m.mu.Unlock()
	m.ms.log.Info("moderation", "room", m.code, "action", action, "by", p.id, "target", ev.TargetID)

	switch action {
	case ActionMute:
		target.media().Mute(SourceMicrophone, true)
	case ActionCameraOff:
		target.media().Mute(SourceCamera, true)
	case ActionStopScreen:
		target.media().Mute(SourceScreen, true)
		target.media().Mute(SourceScreenAudio, true)
	case ActionMuteAll:
		for _, o := range muteAll {
			o.media().Mute(SourceMicrophone, true)
		}
	case ActionRemove:
		target.media().Permit(false, false) // cut the media first: nothing flows either way from now on
		m.mu.Lock()
		if c := target.connLocked(); c != nil {
			c.Close(Bye{Reason: "removed", Message: "A moderator removed you from this meeting."})
		}
		m.mu.Unlock()
		m.remove(target, "removed")
	case ActionPromote:
		if target.signedIn && m.ms.p.Roles != nil {
			if err := m.ms.p.Roles.Promote(ctx, m.code, target.subject); err != nil {
				m.ms.log.Warn("save promotion", "room", m.code, "participant", target.id, "err", err)
			}
		}
	case ActionEnd:
		m.closeAll("ended", "A moderator ended the meeting for everyone.")
	}
	return nil
}
