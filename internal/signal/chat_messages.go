package signal

import (
	"errors"
	"time"

	"visio/internal/room"
)

// Error codes of the chat. Each error's message says what to change (the length limit, for
// instance); the message was not sent.
const (
	// CodeChatEmpty: the message has no text.
	CodeChatEmpty = "chat_empty"
	// CodeChatTooLong: the message is longer than room.ChatMaxRunes characters.
	CodeChatTooLong = "chat_too_long"
	// CodeChatInvalid: the message holds control characters or invalid UTF-8.
	CodeChatInvalid = "chat_invalid"
	// CodeChatLimited: the participant sent messages too fast (a burst of five, then one a
	// second).
	CodeChatLimited = "chat_limited"
	// CodeChatRecipient: a private message names nobody in the meeting (they left, or wait in
	// the lobby), or the sender.
	CodeChatRecipient = "chat_recipient"
	// CodeChatKeepUnavailable: this server keeps no chat.
	CodeChatKeepUnavailable = "chat_keep_unavailable"
)

// maxChatToLength bounds the recipient id of a chat message.
const maxChatToLength = 64

// ChatSend sends a chat message (client message "chat"): to everyone, or privately to the
// participant To.
type ChatSend struct {
	Text string `json:"text"`
	// To is a participant id ("PA_..."); empty for everyone.
	To string `json:"to,omitempty"`
}

// ChatMessageJSON is one chat message (server message "chat", and the welcome's history).
// To is present only on a private message, which only its sender and recipient receive.
type ChatMessageJSON struct {
	Type string          `json:"type,omitempty"`
	ID   string          `json:"id"`
	From ParticipantRef  `json:"from"`
	To   *ParticipantRef `json:"to,omitempty"`
	Text string          `json:"text"`
	At   time.Time       `json:"at"`
}

// ChatKeep turns keeping the chat with the room on or off (client message "chat_keep"):
// moderators only (others get CodeForbidden).
type ChatKeep struct {
	Keep bool `json:"keep"`
}

// ChatStateJSON says whether the chat is kept with the room (server message "chat_state", and
// the welcome's chat_state).
type ChatStateJSON struct {
	Type string `json:"type,omitempty"`
	Kept bool   `json:"kept"`
	// By is the moderator who last turned keeping on or off.
	By *ParticipantRef `json:"by,omitempty"`
	// Available: this server can keep chats.
	Available bool `json:"available"`
}

func chatStateJSON(st room.ChatState) ChatStateJSON {
	out := ChatStateJSON{Kept: st.Kept, Available: st.Available}
	if st.By != nil {
		out.By = &ParticipantRef{ID: st.By.ID, Name: st.By.Name}
	}
	return out
}

func chatJSON(m room.ChatMessage) ChatMessageJSON {
	out := ChatMessageJSON{ID: m.ID, From: ParticipantRef{ID: m.From.ID, Name: m.From.Name}, Text: m.Text, At: m.At}
	if m.To != nil {
		out.To = &ParticipantRef{ID: m.To.ID, Name: m.To.Name}
	}
	return out
}

func chatHistoryJSON(list []room.ChatMessage) []ChatMessageJSON {
	out := make([]ChatMessageJSON, len(list))
	for i, m := range list {
		out[i] = chatJSON(m)
	}
	return out
}

func validateChat(m *ChatSend) error {
	if len(m.To) > maxChatToLength {
		return badMessage("chat: to must be a participant id")
	}
	return nil
}

// chatError gives the chat's refusals their code; the message is the meeting's, which says
// what to change.
func chatError(err error) error {
	for _, c := range []struct {
		err  error
		code string
	}{
		{room.ErrChatEmpty, CodeChatEmpty},
		{room.ErrChatTooLong, CodeChatTooLong},
		{room.ErrChatInvalid, CodeChatInvalid},
		{room.ErrChatLimited, CodeChatLimited},
		{room.ErrChatRecipient, CodeChatRecipient},
		{room.ErrChatKeepUnavailable, CodeChatKeepUnavailable},
	} {
		if errors.Is(err, c.err) {
			return &ProtocolError{Code: c.code, Message: err.Error()}
		}
	}
	return err
}

// SetChatArchive lets moderators keep their meeting's chat in a (room.ChatArchive). Call it
// before serving.
func (h *Hub) SetChatArchive(a room.ChatArchive) { h.meetings.SetChatArchive(a) }
