package store

import "time"

// UserID identifies a user inside visio ("US_..."); it does not change when the user's name or
// e-mail address changes at the identity provider.
type UserID string

// User is someone who signed in through an identity provider.
type User struct {
	ID UserID
	// Issuer and Subject are the provider's issuer URL and its stable id for the user (the ID
	// token's iss and sub): together they identify the user.
	Issuer  string
	Subject string
	// Name and Email are taken from the identity at each sign-in.
	Name  string
	Email string
	// CreatedAt is the first sign-in, SeenAt the latest.
	CreatedAt time.Time
	SeenAt    time.Time
}

// Access says who may enter a room without waiting in the lobby.
type Access string

// Access levels.
const (
	// AccessPublic lets anyone with the link in.
	AccessPublic Access = "public"
	// AccessTrusted lets signed-in users in; others wait in the lobby.
	AccessTrusted Access = "trusted"
	// AccessRestricted lets in only people with a role on the room; others wait.
	AccessRestricted Access = "restricted"
)

// Valid reports whether a is a known access level.
func (a Access) Valid() bool {
	return a == AccessPublic || a == AccessTrusted || a == AccessRestricted
}

// Role is what someone may do in a room.
type Role string

// Roles, from the most powerful.
const (
	// RoleOwner created the room; there is exactly one.
	RoleOwner Role = "owner"
	// RoleAdmin moderates: admits from the lobby, mutes, removes, changes the access level.
	RoleAdmin Role = "administrator"
	// RoleMember may enter a restricted room.
	RoleMember Role = "member"
	// RoleNone is the absence of a role.
	RoleNone Role = ""
)

// Valid reports whether r is a role that can be given (owner, administrator or member).
func (r Role) Valid() bool { return r == RoleOwner || r == RoleAdmin || r == RoleMember }

// Room is a meeting room that persists: its link works until it is unused for long.
type Room struct {
	// Code is the meeting code, "abc-defg-hij".
	Code string
	// Name is the room's title; may be empty.
	Name      string
	OwnerID   UserID
	Access    Access
	CreatedAt time.Time
	// UsedAt is when someone last entered.
	UsedAt time.Time
}

// Member is someone with a role on a room.
type Member struct {
	UserID UserID
	Role   Role
}

// App is an application credential: another system of the administration that calls the API.
type App struct {
	// ID is the client id ("AP_...").
	ID   string
	Name string
	// SecretHash is a hash of the client secret; the secret itself is never stored.
	SecretHash []byte
	// Scopes are what the application may do, such as "rooms:create".
	Scopes    []string
	CreatedAt time.Time
}

// Session is a signed-in browser. Its ID is a hash of the secret in the browser's cookie, so
// that a copy of the database does not let anyone in.
type Session struct {
	ID     string
	UserID UserID
	// IDToken is the provider's ID token, sent back as a hint when signing out there.
	IDToken   string
	CreatedAt time.Time
	ExpiresAt time.Time
}
