package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	apihttp "visio/internal/api"
	"visio/internal/client"
	"visio/internal/signal"
)

// TestChat: over real signalling, a message reaches everyone inside and a private one only its
// two ends; someone in the lobby neither reads nor sends; a late joiner gets the public history;
// refusals come back with their code and a message that says the limit.
func TestChat(t *testing.T) {
	base, api, code, ownerHC, owner := ownedMeeting(t, "trusted")
	alixHC := signIn(t, base, "Alix")
	alix := joinWith(t, api, base, code, "Alix", client.Options{HTTP: alixHC})
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

	// Keeping the chat: moderators only; from then on messages to everyone are kept for the
	// room's owners and administrators, private ones never.
	sendRaw(alix, `{"type":"chat_keep","keep":true}`)
	eventually(t, 5*time.Second, "Alix refused", func() bool {
		return alix.sawEvent(func(e any) bool { m, ok := e.(*signal.ErrorMessage); return ok && m.Code == signal.CodeForbidden })
	})
	if st := owner.c.Welcome().ChatState; !st.Available || st.Kept {
		t.Fatalf("welcome chat state %+v; want available, not kept", st)
	}
	sendRaw(owner, `{"type":"chat_keep","keep":true}`)
	eventually(t, 5*time.Second, "everyone told the chat is kept", func() bool {
		return alix.sawEvent(func(e any) bool {
			m, ok := e.(*signal.ChatStateJSON)
			return ok && m.Kept && m.By != nil && m.By.Name == "Dominique"
		})
	})
	sendRaw(alix, `{"type":"chat","text":"à garder <b>"}`)
	sendRaw(alix, `{"type":"chat","text":"secret","to":"`+owner.c.ID()+`"}`)
	eventually(t, 5*time.Second, "both received", func() bool { return saw(owner, "Alix", "secret", true) })

	read := func(hc *http.Client, room string) (apihttp.ChatList, string) {
		var out apihttp.ChatList
		err := client.Call(context.Background(), hc, http.MethodGet, base+"/api/v1/rooms/"+room+"/chat", nil, &out)
		if err != nil {
			return out, apiCode(err)
		}
		return out, ""
	}
	eventually(t, 5*time.Second, "the message kept", func() bool {
		l, code := read(ownerHC, code)
		return code == "" && len(l.Messages) == 1
	})
	l, _ := read(ownerHC, code)
	if m := l.Messages[0]; m.Text != "à garder <b>" || m.From != "Alix" || m.SentAt.IsZero() {
		t.Fatalf("kept %+v; want only Alix's message to everyone, sent after keeping was turned on", l.Messages)
	}

	// Hostile reads: no session, a participant without a role, someone else, another room's owner.
	otherHC := signIn(t, base, "Eve")
	otherRoom := createRoom(t, otherHC, base, "public")
	for _, tc := range []struct {
		who  string
		hc   *http.Client
		room string
		want string
	}{
		{"no session", &http.Client{Timeout: 10 * time.Second}, code, "signed_out"},
		{"a participant without a role", alixHC, code, "chat_not_found"},
		{"another room's owner", otherHC, code, "chat_not_found"},
		{"the owner, at another room", ownerHC, otherRoom, "chat_not_found"},
		{"the owner, at a room that does not exist", ownerHC, "zzz-zzzz-zzz", "chat_not_found"},
	} {
		if l, got := read(tc.hc, tc.room); got != tc.want {
			t.Errorf("%s: error %q (messages %v), want %q", tc.who, got, l.Messages, tc.want)
		}
	}
	// The other room's owner reads her own room: nothing of this one.
	if l, got := read(otherHC, otherRoom); got != "" || len(l.Messages) != 0 {
		t.Fatalf("other room: %v, %q", l.Messages, got)
	}
	// An administrator of the room reads it.
	var me struct{ ID string }
	if err := client.Call(context.Background(), alixHC, http.MethodGet, base+"/api/v1/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	if err := client.Call(context.Background(), ownerHC, http.MethodPut, base+"/api/v1/rooms/"+code+"/roles/"+me.ID, map[string]string{"role": "administrator"}, nil); err != nil {
		t.Fatal(err)
	}
	if l, got := read(alixHC, code); got != "" || len(l.Messages) != 1 {
		t.Fatalf("administrator: %v, %q", l.Messages, got)
	}
}
