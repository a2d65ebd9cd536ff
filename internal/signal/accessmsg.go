package signal

import (
	"time"

	"visio/internal/room"
)

// Error codes of entering and moderation (see docs/protocol.md, "Entering a meeting").
const (
	CodeTokenRequired      = "token_required"
	CodeTokenInvalid       = "token_invalid"
	CodeTokenExpired       = "token_expired"
	CodeTokenReplayed      = "token_replayed"
	CodeTokenWrongRoom     = "token_wrong_room"
	CodeRoomLocked         = "room_locked"
	CodeRemoved            = "removed"
	CodeInLobby            = "in_lobby"
	CodeForbidden          = "forbidden"
	CodeUnknownParticipant = "unknown_participant"
)

// Moderation actions (the meeting's, room/moderation.go).
const (
	ActionMute       = room.ActionMute
	ActionMuteAll    = room.ActionMuteAll
	ActionCameraOff  = room.ActionCameraOff
	ActionStopScreen = room.ActionStopScreen
	ActionRemove     = room.ActionRemove
	ActionPromote    = room.ActionPromote
	ActionLock       = room.ActionLock
	ActionUnlock     = room.ActionUnlock
	ActionEnd        = room.ActionEnd
)

// Client messages.

// LobbyDecision is admit or deny: some lobby requests, or all of them.
type LobbyDecision struct {
	Admit      bool     `json:"-"`
	RequestIDs []string `json:"request_ids"`
	All        bool     `json:"all"`
}

// maxLobbyDecision bounds the request ids of one admit or deny.
const maxLobbyDecision = 256

// Moderate is a moderator's action.
type Moderate struct {
	Action        string `json:"action"`
	ParticipantID string `json:"participant_id,omitempty"`
}

// Server messages.

// LobbyWaiting tells someone they wait for a moderator.
type LobbyWaiting struct {
	Type              string `json:"type"` // "lobby"
	State             string `json:"state"`
	RequestID         string `json:"request_id"`
	ModeratorsPresent bool   `json:"moderators_present"`
}

// Denied tells someone waiting that they will not enter.
type Denied struct {
	Type    string `json:"type"` // "denied"
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// LobbyRequestJSON is someone waiting, as moderators see them.
type LobbyRequestJSON struct {
	Type        string    `json:"type,omitempty"` // "lobby_request" when sent alone
	RequestID   string    `json:"request_id"`
	Name        string    `json:"name"`
	SignedIn    bool      `json:"signed_in"`
	RequestedAt time.Time `json:"requested_at"`
}

// LobbyUpdate tells moderators that a request was settled.
type LobbyUpdate struct {
	Type      string `json:"type"` // "lobby_update"
	RequestID string `json:"request_id"`
	State     string `json:"state"`
	ActorID   string `json:"actor_id"`
	ActorName string `json:"actor_name"`
	// Reason is the error code when an admission failed (state "failed"), e.g. room_full.
	Reason string `json:"reason,omitempty"`
}

// Moderation tells everyone what a moderator did.
type Moderation struct {
	Type       string `json:"type"` // "moderation"
	Action     string `json:"action"`
	ActorID    string `json:"actor_id"`
	ActorName  string `json:"actor_name"`
	TargetID   string `json:"target_id"`
	TargetName string `json:"target_name"`
}

// RoomUpdated tells everyone the room's state changed.
type RoomUpdated struct {
	Type string   `json:"type"` // "room_updated"
	Room RoomJSON `json:"room"`
}
