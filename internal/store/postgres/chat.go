package postgres

import (
	"context"
	"fmt"
	"time"

	"visio/internal/store"
)

// AddChatMessage implements store.Chats.
func (s *DB) AddChatMessage(ctx context.Context, m store.ChatMessage) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO chat_messages (id, room_code, from_name, text, sent_at) VALUES ($1, $2, $3, $4, $5)`,
		m.ID, m.RoomCode, m.FromName, m.Text, ms(m.SentAt))
	if err != nil {
		return fmt.Errorf("keep chat message %s: %w", m.ID, mapErr(err))
	}
	return nil
}

// RoomChat implements store.Chats.
func (s *DB) RoomChat(ctx context.Context, code string, limit int) ([]store.ChatMessage, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, room_code, from_name, text, sent_at FROM
		(SELECT * FROM chat_messages WHERE room_code = $1 ORDER BY sent_at DESC, id DESC LIMIT $2) AS latest ORDER BY sent_at, id`, code, limit)
	if err != nil {
		return nil, fmt.Errorf("room chat %s: %w", code, err)
	}
	defer rows.Close()
	out := []store.ChatMessage{}
	for rows.Next() {
		var m store.ChatMessage
		if err := rows.Scan(&m.ID, &m.RoomCode, &m.FromName, &m.Text, &m.SentAt); err != nil {
			return nil, fmt.Errorf("room chat %s: %w", code, err)
		}
		m.SentAt = m.SentAt.UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// DeleteChatSentBefore implements store.Chats.
func (s *DB) DeleteChatSentBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := count(s.pool.Exec(ctx, `DELETE FROM chat_messages WHERE sent_at < $1`, ms(t)))
	if err != nil {
		return 0, fmt.Errorf("delete chat messages: %w", err)
	}
	return n, nil
}
