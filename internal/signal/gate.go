package signal

import (
	"context"
	"errors"

	"visio/internal/room"
)

// ErrRoomNotFound is returned by a Gate for a room that does not exist.
var ErrRoomNotFound = errors.New("signal: room not found")

// Gate decides who enters a meeting: the signalling layer's view of rooms, roles and join
// tokens. The composition root implements it with the store and the auth package.
type Gate interface {
	// Room returns the room's settings, or an error wrapping ErrRoomNotFound.
	Room(ctx context.Context, code string) (RoomInfo, error)
	// Admit verifies and consumes a join token presented to enter room code, and says who it is
	// and what they may do. Refusals are *ProtocolError (token_invalid, token_expired, ...).
	Admit(ctx context.Context, code, token string) (Entrant, error)
	// Promote records that the signed-in user is now an administrator of the room.
	Promote(ctx context.Context, code, userID string) error
}

// RoomInfo is what the signalling layer knows of a room's settings.
type RoomInfo = room.Info

// Entrant is someone whose join token was accepted.
type Entrant = room.Entrant
