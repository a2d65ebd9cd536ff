package signal

import "time"

// CodeReactionLimited: the participant sent reactions too fast (at most one per 500 ms after a
// burst of three); the reaction was not sent.
const CodeReactionLimited = "reaction_limited"

// Hand raises or lowers a hand (client message "hand"). Without ParticipantID it is the
// sender's own hand; with one, Raised must be false and the sender must be a moderator
// (others get CodeForbidden).
type Hand struct {
	Raised        bool   `json:"raised"`
	ParticipantID string `json:"participant_id,omitempty"`
}

// React sends an emoji reaction to everyone (client message "reaction"), one of room.Reactions.
type React struct {
	Emoji string `json:"emoji"`
}

// RaisedHandJSON is one raised hand.
type RaisedHandJSON struct {
	ParticipantID string    `json:"participant_id"`
	Name          string    `json:"name"`
	RaisedAt      time.Time `json:"raised_at"`
}

// HandsMessage tells everyone a hand went up or down (server message "hands"), with the raised
// hands in the order raised.
type HandsMessage struct {
	Type  string           `json:"type"`
	Hands []RaisedHandJSON `json:"hands"`
	// ParticipantID is whose hand changed; Raised its new state.
	ParticipantID string `json:"participant_id"`
	Raised        bool   `json:"raised"`
	// Reason is raised, lowered (by its owner), moderator, spoke (its owner started speaking)
	// or left.
	Reason string `json:"reason"`
	// By is the moderator who lowered it (reason moderator).
	By *ParticipantRef `json:"by,omitempty"`
}

// Reaction tells everyone, the sender included, that a participant reacted (server message
// "reaction").
type Reaction struct {
	Type          string `json:"type"`
	ParticipantID string `json:"participant_id"`
	Name          string `json:"name"`
	Emoji         string `json:"emoji"`
}
