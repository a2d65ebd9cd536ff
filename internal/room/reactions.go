package room

import (
	"errors"
	"slices"
	"time"

	"golang.org/x/time/rate"
)

// Reactions are the emoji a participant may send; they float over the sender's tile for
// everyone.
var Reactions = []string{"👍", "👏", "😂", "❤️", "🎉", "🤔"}

// A participant sends at most one reaction per reactionEvery, after a burst of reactionBurst.
const (
	reactionEvery = 500 * time.Millisecond
	reactionBurst = 3
)

var (
	// ErrUnknownReaction: the reaction is not one of Reactions.
	ErrUnknownReaction = errors.New("unknown reaction")
	// ErrReactionLimited: the participant sent reactions too fast.
	ErrReactionLimited = errors.New("too many reactions; wait a moment")
)

// IsReaction reports whether emoji is one of Reactions.
func IsReaction(emoji string) bool { return slices.Contains(Reactions, emoji) }

// Reacted tells everyone, the sender included, that a participant reacted.
type Reacted struct {
	ParticipantID, Name, Emoji string
}

func (Reacted) event() {}

// React sends one of Reactions from the participant to everyone in the meeting (not to the
// lobby), within the participant's rate limit.
func (p *Participant) React(emoji string) error {
	if !IsReaction(emoji) {
		return ErrUnknownReaction
	}
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.participants[p.id] != p {
		return ErrForbidden
	}
	if p.reactions == nil {
		p.reactions = rate.NewLimiter(rate.Every(reactionEvery), reactionBurst)
	}
	if !p.reactions.AllowN(m.ms.clock.Now(), 1) {
		return ErrReactionLimited
	}
	m.broadcastLocked(nil, Reacted{ParticipantID: p.id, Name: p.name, Emoji: emoji})
	return nil
}
