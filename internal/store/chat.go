package store

import (
	"context"
	"time"
)

// ChatMessage is a message of a meeting's chat kept with the room, because a moderator turned
// "keep the chat" on during the meeting. Only messages to everyone are kept, never private ones.
type ChatMessage struct {
	// ID is the message's id in the meeting ("CM_...").
	ID string
	// RoomCode is the meeting's room; its owners and administrators may read the message.
	RoomCode string
	// FromName is the sender's display name when the message was sent.
	FromName string
	Text     string
	SentAt   time.Time
}

// Chats keeps the chat messages of meetings whose chat is kept.
type Chats interface {
	// AddChatMessage keeps a message. ErrExists if the id is taken.
	AddChatMessage(ctx context.Context, m ChatMessage) error
	// RoomChat returns the latest limit messages kept for room code, oldest first.
	RoomChat(ctx context.Context, code string, limit int) ([]ChatMessage, error)
	// DeleteChatSentBefore deletes the messages sent before t (retention) and returns how many.
	DeleteChatSentBefore(ctx context.Context, t time.Time) (int, error)
}
