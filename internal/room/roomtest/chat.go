package roomtest

import (
	"sync"

	"visio/internal/room"
)

// ChatArchive is a fake room.ChatArchive that records the messages it is given.
type ChatArchive struct {
	mu   sync.Mutex // guards the following field
	kept []room.ChatMessage
}

var _ room.ChatArchive = (*ChatArchive)(nil)

// KeepChat implements room.ChatArchive.
func (a *ChatArchive) KeepChat(_ string, msg room.ChatMessage) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.kept = append(a.kept, msg)
}

// Kept returns the messages kept so far.
func (a *ChatArchive) Kept() []room.ChatMessage {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]room.ChatMessage(nil), a.kept...)
}
