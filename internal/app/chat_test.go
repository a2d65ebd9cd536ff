package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"visio/internal/client"
	"visio/internal/signal"
)

// TestChat: over real signalling, a message reaches everyone inside and a private one only its
// two ends; someone in the lobby neither reads nor sends; a late joiner gets the public history;
// refusals come back with their code and a message that says the limit.
func TestChat(t *testing.T) {
	base := startServer(t)
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ownerHC := signIn(t, base, "Dominique")
	code := createRoom(t, ownerHC, base, "trusted")
	owner := joinWith(t, api, base, code, "Dominique", client.Options{HTTP: ownerHC})
	alix := joinWith(t, api, base, code, "Alix", client.Options{HTTP: signIn(t, base, "Alix")})
	waiting, first := knock(t, base, code, guestToken(t, base, code, "Early"))
	if first["type"] != "lobby" {
		t.Fatalf("guest: %v, want the lobby", first)
	}
	sendRaw := func(p *participant, msg string) {
		t.Helper()
		if err := p.c.SendRaw(context.Background(), []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	saw := func(p *participant, from, text string, private bool) bool {
		return p.sawEvent(func(e any) bool {
			m, ok := e.(*signal.ChatMessageJSON)
			return ok && m.Type == "chat" && m.From.Name == from && m.Text == text && (m.To != nil) == private
		})
	}

	sendRaw(owner, `{"type":"chat","text":"<img src=x onerror=alert(1)> bonjour"}`)
	sendRaw(alix, `{"type":"chat","text":"rien que pour vous","to":"`+owner.c.ID()+`"}`)
	for _, p := range []*participant{owner, alix} {
		eventually(t, 5*time.Second, "both messages", func() bool {
			return saw(p, "Dominique", "<img src=x onerror=alert(1)> bonjour", false) && saw(p, "Alix", "rien que pour vous", true)
		})
	}

	// In the lobby: no chat to read, and none to send.
	waiting.send(`{"type":"chat","text":"hello?"}`)
	if e := waiting.next("error", "chat"); e["type"] != "error" || e["code"] != signal.CodeInLobby {
		t.Fatalf("chat from the lobby: %v, want an in_lobby error", e)
	}

	// A late joiner reads the public history only.
	late := joinWith(t, api, base, code, "Camille", client.Options{HTTP: signIn(t, base, "Camille")})
	if h := late.c.Welcome().Chat; len(h) != 1 || h[0].From.Name != "Dominique" || h[0].To != nil {
		t.Fatalf("late joiner's history: %+v", h)
	}

	// Refusals.
	for _, tc := range []struct{ msg, code, says string }{
		{`{"type":"chat","text":"` + strings.Repeat("a", 2001) + `"}`, signal.CodeChatTooLong, "2000"},
		{`{"type":"chat","text":"psst","to":"PA_nobody"}`, signal.CodeChatRecipient, "not in the meeting"},
	} {
		sendRaw(alix, tc.msg)
		eventually(t, 5*time.Second, tc.code, func() bool {
			return alix.sawEvent(func(e any) bool {
				m, ok := e.(*signal.ErrorMessage)
				return ok && m.Code == tc.code && strings.Contains(m.Message, tc.says)
			})
		})
	}
}
