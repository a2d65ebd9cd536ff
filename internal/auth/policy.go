package auth

import "visio/internal/store"

// Admission is what happens to someone who asks to enter a room.
type Admission struct {
	// Direct is true if they enter at once; false if they wait in the lobby for a moderator.
	Direct bool
	// Permissions are what they may do once inside.
	Permissions []Permission
}

// Admit applies the room's access level and the person's role:
//
//   - owners and administrators enter and moderate;
//   - members enter;
//   - others enter a public room, enter a trusted room if signed in, and otherwise wait.
func Admit(access store.Access, role store.Role, signedIn bool) Admission {
	participant := []Permission{PermPublish, PermSubscribe}
	switch role {
	case store.RoleOwner, store.RoleAdmin:
		return Admission{Direct: true, Permissions: []Permission{PermPublish, PermSubscribe, PermModerate}}
	case store.RoleMember:
		return Admission{Direct: true, Permissions: participant}
	}
	switch access {
	case store.AccessPublic:
		return Admission{Direct: true, Permissions: participant}
	case store.AccessTrusted:
		return Admission{Direct: signedIn, Permissions: participant}
	default: // restricted, or unknown: the safest
		return Admission{Direct: false, Permissions: participant}
	}
}
