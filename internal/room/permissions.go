package room

// Role names, as participants see them.
const (
	RoleOwner = "owner"
	RoleAdmin = "administrator"
)

// Permissions are what a participant may do inside.
type Permissions struct {
	// Publish: send microphone, camera and screen.
	Publish bool
	// Subscribe: receive the others' media.
	Subscribe bool
	// Moderate: let people in, mute, remove, lock, end the meeting, promote, transcribe.
	Moderate bool
}

// list names the permissions for the welcome.
func (p Permissions) list() []string {
	out := make([]string, 0, 3)
	if p.Publish {
		out = append(out, "publish")
	}
	if p.Subscribe {
		out = append(out, "subscribe")
	}
	if p.Moderate {
		out = append(out, "moderate")
	}
	return out
}

// Entrant is someone whose join token was accepted: who they are and, from their role on the
// room and its access level (auth.Admit), what they may do.
type Entrant struct {
	// ID is the user id ("US_...") or guest id ("GU_..."): a removed person is barred by it.
	ID       string
	Name     string
	SignedIn bool
	// Role is the person's role on the room: owner, administrator, member or "".
	Role string
	// Direct is true if they enter at once, false if they wait in the lobby.
	Direct bool
	Permissions
	// Room is the room's settings when the token was checked.
	Room Info
}

// The rules of who may do what to whom. Each takes the meeting's lock as held.

// mayModerateLocked: moderators only, and only while inside.
func (m *Meeting) mayModerateLocked(actor *Participant) error {
	if m.participants[actor.id] != actor || !actor.perms.Moderate {
		return ErrForbidden
	}
	return nil
}

// mayTargetLocked: the owner of the room cannot be moderated by anyone else, and nobody
// removes themself (they leave).
func mayTargetLocked(actor, target *Participant, action string) error {
	if target.role == RoleOwner && target != actor {
		return refuse(ErrForbidden, "the owner of the room cannot be moderated")
	}
	if action == ActionRemove && target == actor {
		return refuse(ErrForbidden, "leave instead of removing yourself")
	}
	return nil
}

// mayEnterLocked: someone removed never comes back to this meeting; a locked meeting takes
// moderators only, and those who were already in it or waiting in its lobby when it moved to
// this node (back is true).
func (m *Meeting) mayEnterLocked(e Entrant, back bool) error {
	switch {
	case m.removed[e.ID]:
		return ErrRemoved
	case m.locked && !e.Moderate && !back:
		return ErrLocked
	}
	return nil
}

// mayControlTranscriptionLocked: moderators start and stop transcription.
func mayControlTranscriptionLocked(p *Participant) bool { return p.perms.Moderate }
