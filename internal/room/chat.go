package room

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"visio/internal/ids"
)

// Chat limits.
const (
	// ChatMaxRunes is the longest chat message, in characters.
	ChatMaxRunes = 2000
	// ChatHistoryMax is how many messages the meeting keeps for those who arrive later (and
	// those who come back after a lost connection); older ones are forgotten.
	ChatHistoryMax = 200
	// A participant sends at most one message per chatEvery, after a burst of chatBurst.
	chatEvery = time.Second
	chatBurst = 5
)

var (
	// ErrChatEmpty: the message has no text.
	ErrChatEmpty = errors.New("the message is empty")
	// ErrChatTooLong: the message is longer than ChatMaxRunes.
	ErrChatTooLong = fmt.Errorf("a chat message is at most %d characters", ChatMaxRunes)
	// ErrChatInvalid: the message is not valid UTF-8 or holds control characters.
	ErrChatInvalid = errors.New("the message holds characters that cannot be shown")
	// ErrChatLimited: the participant sent messages too fast.
	ErrChatLimited = errors.New("too many chat messages; wait a moment")
	// ErrChatRecipient: a private message names nobody in the meeting (they left, or wait in
	// the lobby), or the sender.
	ErrChatRecipient = errors.New("the recipient of this private message is not in the meeting")
	// ErrChatKeepUnavailable: this server keeps no chat (no archive configured).
	ErrChatKeepUnavailable = errors.New("this server does not keep chats")
)

// ChatArchive keeps the messages to everyone of the meetings whose chat a moderator chose to
// keep (the store, behind a queue). The meeting calls it with its lock held: it must not block.
type ChatArchive interface {
	KeepChat(code string, msg ChatMessage)
}

// ChatState is whether the meeting's chat is kept with the room, as everyone is told.
type ChatState struct {
	Kept bool
	// By is the moderator who last turned keeping on or off.
	By *ParticipantRef
	// Available: this server can keep chats.
	Available bool
}

func (ChatState) event() {}

// ChatMessage is one message of the meeting's chat. To is set for a private message, which
// only its sender and its recipient receive.
type ChatMessage struct {
	ID   string // "CM_..."
	From ParticipantRef
	To   *ParticipantRef
	Text string
	At   time.Time
	// room is the breakout room a message to everyone was sent in (0: the main room): it
	// reaches, and stays in the history of, that room only.
	room int
}

func (ChatMessage) event() {}

// roomChat is the meeting's chat history, oldest first, at most ChatHistoryMax messages; it
// lives as long as the meeting. Guarded by Meeting.mu. It is its own value so that it can be
// copied as is (a snapshot of the meeting's state).
type roomChat struct {
	History []ChatMessage
	// Kept: a moderator chose to keep the chat; messages to everyone sent from then on go to
	// the archive. Off at the start of every meeting.
	Kept   bool
	KeptBy *ParticipantRef
}

// add appends msg, forgetting the oldest message when full.
func (c *roomChat) add(msg ChatMessage) {
	if len(c.History) >= ChatHistoryMax {
		n := copy(c.History, c.History[1:])
		c.History = c.History[:n]
	}
	c.History = append(c.History, msg)
}

// visibleTo lists the messages participant id, in breakout room room (0: the main room), may
// read: every public one sent in that room, and the private ones it sent or received.
func (c *roomChat) visibleTo(id string, room int) []ChatMessage {
	out := make([]ChatMessage, 0, len(c.History))
	for _, msg := range c.History {
		if (msg.To == nil && msg.room == room) || (msg.To != nil && (msg.From.ID == id || msg.To.ID == id)) {
			out = append(out, msg)
		}
	}
	return out
}

// CleanChatText trims text and checks it is a message one can show: not empty, at most
// ChatMaxRunes characters, valid UTF-8 with no control characters but line breaks and tabs.
func CleanChatText(text string) (string, error) {
	if !utf8.ValidString(text) {
		return "", ErrChatInvalid
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" {
		return "", ErrChatEmpty
	}
	if utf8.RuneCountInString(text) > ChatMaxRunes {
		return "", ErrChatTooLong
	}
	for _, r := range text {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return "", ErrChatInvalid
		}
	}
	return text, nil
}

// Chat sends text to everyone in the meeting, or only to participant toID when it is not
// empty (a private message). While breakout rooms are open, a message to everyone reaches the
// sender's room only, and only the main room's messages are kept with the room. Someone in the lobby has no Participant and so can neither send
// nor read. The message is kept in the meeting's history.
func (p *Participant) Chat(text, toID string) (ChatMessage, error) {
	text, err := CleanChatText(text)
	if err != nil {
		return ChatMessage{}, err
	}
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.participants[p.id] != p {
		return ChatMessage{}, ErrForbidden
	}
	var to *Participant
	if toID != "" {
		if to = m.participants[toID]; to == nil || to == p {
			return ChatMessage{}, ErrChatRecipient
		}
	}
	if p.chat == nil {
		p.chat = rate.NewLimiter(rate.Every(chatEvery), chatBurst)
	}
	if !p.chat.AllowN(m.ms.clock.Now(), 1) {
		return ChatMessage{}, ErrChatLimited
	}
	msg := ChatMessage{ID: ids.New("CM_"), From: ParticipantRef{ID: p.id, Name: p.name}, Text: text,
		At: m.ms.clock.Now().UTC().Truncate(time.Millisecond)}
	if to != nil {
		msg.To = &ParticipantRef{ID: to.id, Name: to.name}
	} else {
		msg.room = m.breakoutRoomLocked(p)
	}
	m.chat.add(msg)
	if to == nil {
		if m.chat.Kept && m.ms.p.ChatArchive != nil && msg.room == 0 {
			m.ms.p.ChatArchive.KeepChat(m.code, msg)
		}
		m.broadcastLocked(nil, msg)
		return msg, nil
	}
	for _, o := range []*Participant{p, to} {
		if c := o.connLocked(); c != nil {
			c.Send(msg)
		}
	}
	return msg, nil
}

// chatHistoryLocked is what participant p reads of the chat, for its welcome. m.mu must be
// held.
func (m *Meeting) chatHistoryLocked(p *Participant) []ChatMessage {
	return m.chat.visibleTo(p.id, m.breakoutRoomLocked(p))
}

// KeepChat turns keeping the chat with the room on or off: moderators only. Private messages
// are never kept. Everyone is told.
func (p *Participant) KeepChat(keep bool) error {
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.participants[p.id] != p {
		return ErrForbidden
	}
	if err := m.mayModerateLocked(p); err != nil {
		return refuse(ErrForbidden, "only moderators may choose to keep the chat")
	}
	if m.ms.p.ChatArchive == nil {
		return ErrChatKeepUnavailable
	}
	if m.chat.Kept == keep {
		return nil
	}
	m.chat.Kept, m.chat.KeptBy = keep, &ParticipantRef{ID: p.id, Name: p.name}
	m.ms.log.Info("chat kept", "room", m.code, "kept", keep, "by", p.id)
	m.broadcastLocked(nil, m.chatStateLocked())
	m.persistLocked()
	return nil
}

// chatStateLocked is the meeting's chat state. m.mu must be held.
func (m *Meeting) chatStateLocked() ChatState {
	st := ChatState{Kept: m.chat.Kept, Available: m.ms.p.ChatArchive != nil}
	if m.chat.KeptBy != nil {
		by := *m.chat.KeptBy
		st.By = &by
	}
	return st
}

// SetChatArchive lets moderators keep their meeting's chat in a. Call it before the first Join.
func (ms *Meetings) SetChatArchive(a ChatArchive) { ms.p.ChatArchive = a }
