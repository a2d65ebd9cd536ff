package api

import (
	"net/http"
	"time"
)

// maxChatRead is how many kept messages GET /api/v1/rooms/{code}/chat returns: the latest.
const maxChatRead = 5000

// ChatMessageJSON is one kept chat message.
type ChatMessageJSON struct {
	ID     string    `json:"id"`
	From   string    `json:"from"`
	Text   string    `json:"text"`
	SentAt time.Time `json:"sent_at"`
}

// ChatList is the answer of GET /api/v1/rooms/{code}/chat.
type ChatList struct {
	Room string `json:"room"`
	// Messages are the latest kept messages, oldest first.
	Messages []ChatMessageJSON `json:"messages"`
}

// routeChat adds the endpoint reading a room's kept chat.
func (s *server) routeChat(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/rooms/{code}/chat", s.roomChat)
}

// roomChat answers the kept chat of a room to its owners and administrators. Anyone else, and
// any room that does not exist, gets the same 404: the answer does not say which rooms exist.
func (s *server) roomChat(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	w.Header().Set("Cache-Control", "no-store")
	if s.p.Access.Auth != nil {
		if _, err := s.p.Access.Auth.Identify(r); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if s.p.Chats == nil || !s.mayManageRecordings(r, code) {
		writeError(w, http.StatusNotFound, "chat_not_found", "No kept chat for this room, or you are not one of its owners or administrators.")
		return
	}
	list, err := s.p.Chats.RoomChat(r.Context(), code, maxChatRead)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := ChatList{Room: code, Messages: make([]ChatMessageJSON, len(list))}
	for i, m := range list {
		out.Messages[i] = ChatMessageJSON{ID: m.ID, From: m.FromName, Text: m.Text, SentAt: m.SentAt}
	}
	writeJSON(w, http.StatusOK, out)
}
