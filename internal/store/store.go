package store

import (
	"context"
	"time"
)

// Users records who signed in.
type Users interface {
	// SaveUser records a sign-in by u.Issuer and u.Subject: it creates the user (choosing an
	// ID) or updates the name and e-mail address of the existing one, sets SeenAt to u.SeenAt,
	// and returns the user as stored.
	SaveUser(ctx context.Context, u User) (User, error)
	// User returns the user with this id, or ErrNotFound.
	User(ctx context.Context, id UserID) (User, error)
	// UserBySubject returns the user the provider issuer knows as subject, or ErrNotFound.
	UserBySubject(ctx context.Context, issuer, subject string) (User, error)
}

// Rooms keeps rooms.
type Rooms interface {
	// CreateRoom stores a new room and gives its owner the owner role. ErrExists if the code
	// is taken, ErrNotFound if the owner is not a known user.
	CreateRoom(ctx context.Context, r Room) error
	// Room returns the room with this code, or ErrNotFound.
	Room(ctx context.Context, code string) (Room, error)
	// UpdateRoom changes a room's name and access level. ErrNotFound if there is no such room.
	UpdateRoom(ctx context.Context, code, name string, access Access) error
	// TouchRoom sets when the room was last used. ErrNotFound if there is no such room.
	TouchRoom(ctx context.Context, code string, at time.Time) error
	// UserRooms returns the rooms on which the user has a role, most recently used first.
	UserRooms(ctx context.Context, id UserID) ([]Room, error)
}

// RoomSweeper forgets rooms nobody uses.
type RoomSweeper interface {
	// DeleteRoomsUnusedSince deletes the rooms last used before t, with their roles, and
	// returns how many it deleted.
	DeleteRoomsUnusedSince(ctx context.Context, t time.Time) (int, error)
}

// Roles keeps who has which role on a room. The owner's role is set by CreateRoom and cannot be
// changed here.
type Roles interface {
	// SetRole gives the user an administrator or member role on the room, replacing any other.
	// ErrNotFound if the room or user does not exist, ErrIsOwner for the owner, ErrInvalid for
	// RoleOwner or an unknown role.
	SetRole(ctx context.Context, code string, user UserID, role Role) error
	// Role returns the user's role on the room, RoleNone if they have none.
	Role(ctx context.Context, code string, user UserID) (Role, error)
	// RemoveRole takes the user's role away. ErrIsOwner for the owner; no error if they had none.
	RemoveRole(ctx context.Context, code string, user UserID) error
	// Members returns everyone with a role on the room, the owner first, then by user id.
	Members(ctx context.Context, code string) ([]Member, error)
}

// Apps keeps application credentials.
type Apps interface {
	// CreateApp stores a credential. ErrExists if the id is taken.
	CreateApp(ctx context.Context, a App) error
	// App returns the credential with this client id, or ErrNotFound.
	App(ctx context.Context, id string) (App, error)
	// Apps returns every credential, by id.
	Apps(ctx context.Context) ([]App, error)
	// DeleteApp revokes a credential. ErrNotFound if there is no such credential.
	DeleteApp(ctx context.Context, id string) error
}

// Sessions keeps signed-in browsers.
type Sessions interface {
	// CreateSession stores a session. ErrExists if the id is taken, ErrNotFound if the user is
	// unknown.
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session with this id, expired or not, or ErrNotFound.
	Session(ctx context.Context, id string) (Session, error)
	// DeleteSession ends a session; no error if it did not exist.
	DeleteSession(ctx context.Context, id string) error
	// DeleteExpiredSessions deletes the sessions that expired before now and returns how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}

// TokenIDs remembers which one-time tokens were used, to refuse replays.
type TokenIDs interface {
	// UseTokenID records that the token with this id was used. It returns ErrAlreadyUsed if
	// it was used before, even by another process sharing the store. The record can be
	// forgotten after expires, when the token is no longer valid anyway.
	UseTokenID(ctx context.Context, id string, expires time.Time) error
	// DeleteExpiredTokenIDs forgets the ids whose tokens expired before now.
	DeleteExpiredTokenIDs(ctx context.Context, now time.Time) (int, error)
}

// Store is all of the above, as both implementations provide it: the composition root holds
// one and hands each component the small interface it needs.
type Store interface {
	Users
	Rooms
	RoomSweeper
	Roles
	Apps
	Sessions
	TokenIDs
	Recordings
	Chats
	MeetingStates
	// Close releases the database; safe to call twice.
	Close() error
}
