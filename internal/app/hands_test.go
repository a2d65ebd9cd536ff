package app

import (
	"context"
	"testing"
	"time"

	"visio/internal/client"
	"visio/internal/signal"
)

// lastHands is the order of raised hands in the last hands message p received.
func lastHands(p *participant) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.events) - 1; i >= 0; i-- {
		if h, ok := p.events[i].(*signal.HandsMessage); ok {
			ids := []string{}
			for _, r := range h.Hands {
				ids = append(ids, r.ParticipantID)
			}
			return ids
		}
	}
	return nil
}

func sameIDs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestHandsAndReactions: over real signalling, hands are seen in the order raised, a guest
// cannot lower someone else's hand and a moderator can, reactions reach everyone inside within
// their rate limit, and someone waiting in the lobby hears none of it.
func TestHandsAndReactions(t *testing.T) {
	base, api, code, ownerHC, owner := ownedMeeting(t, "trusted")
	alixHC := signIn(t, base, "Alix")
	alix := joinWith(t, api, base, code, "Alix", client.Options{HTTP: alixHC})
	sendRaw := func(p *participant, msg string) {
		t.Helper()
		if err := p.c.SendRaw(context.Background(), []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}

	// A guest knocks and is let in; another keeps waiting in the lobby.
	guest, first := knock(t, base, code, guestToken(t, base, code, "Camille"))
	if first["type"] != "lobby" {
		t.Fatalf("guest: %v, want the lobby", first)
	}
	sendRaw(owner, `{"type":"admit","request_ids":["`+first["request_id"].(string)+`"]}`)
	gw := guest.next("welcome")
	gid := gw["participant"].(map[string]any)["id"].(string)
	waiting, w1 := knock(t, base, code, guestToken(t, base, code, "Early"))
	if w1["type"] != "lobby" {
		t.Fatalf("second guest: %v, want the lobby", w1)
	}

	// Alix, then the guest, raise their hands: everyone sees that order.
	sendRaw(alix, `{"type":"hand","raised":true}`)
	eventually(t, 5*time.Second, "Alix's hand seen", func() bool { return sameIDs(lastHands(owner), []string{alix.c.ID()}) })
	guest.send(`{"type":"hand","raised":true}`)
	want := []string{alix.c.ID(), gid}
	for _, p := range []*participant{owner, alix} {
		eventually(t, 5*time.Second, "both hands in order", func() bool { return sameIDs(lastHands(p), want) })
	}
	if h := guest.next("hands"); h["participant_id"] != alix.c.ID() {
		t.Fatalf("guest's first hands message: %v", h)
	}
	if h := guest.next("hands"); len(h["hands"].([]any)) != 2 {
		t.Fatalf("guest's second hands message: %v", h)
	}

	// The guest cannot lower Alix's hand; the owner can.
	guest.send(`{"type":"hand","raised":false,"participant_id":"` + alix.c.ID() + `"}`)
	if e := guest.next("error", "hands"); e["type"] != "error" || e["code"] != signal.CodeForbidden {
		t.Fatalf("guest lowers Alix's hand: %v, want a forbidden error", e)
	}
	sendRaw(owner, `{"type":"hand","raised":false,"participant_id":"`+alix.c.ID()+`"}`)
	eventually(t, 5*time.Second, "Alix told the owner lowered her hand", func() bool {
		return alix.sawEvent(func(e any) bool {
			h, ok := e.(*signal.HandsMessage)
			return ok && h.ParticipantID == alix.c.ID() && h.Reason == "moderator" && h.By != nil && h.By.Name == "Dominique"
		}) && sameIDs(lastHands(alix), []string{gid})
	})

	// A late joiner gets the hands in its welcome.
	late := joinWith(t, api, base, code, "Dominique", client.Options{HTTP: ownerHC})
	if h := late.c.Welcome().Hands; len(h) != 1 || h[0].ParticipantID != gid || h[0].Name != "Camille" {
		t.Fatalf("late joiner's welcome hands: %+v", h)
	}

	// Reactions: a burst of three passes, the next ones are refused with a clear error.
	for range 6 {
		guest.send(`{"type":"reaction","emoji":"👏"}`)
	}
	if e := guest.next("error"); e["code"] != signal.CodeReactionLimited {
		t.Fatalf("sixth reaction: %v, want %s", e, signal.CodeReactionLimited)
	}
	eventually(t, 5*time.Second, "Alix sees the guest's reactions", func() bool {
		return alix.sawEvent(func(e any) bool {
			r, ok := e.(*signal.Reaction)
			return ok && r.ParticipantID == gid && r.Name == "Camille" && r.Emoji == "👏"
		})
	})
	guest.send(`{"type":"reaction","emoji":"<b>"}`)
	e := guest.next("error")
	for e["code"] == signal.CodeReactionLimited { // the rest of the burst
		e = guest.next("error")
	}
	if e["code"] != signal.CodeBadMessage {
		t.Fatalf("unknown reaction: %v", e)
	}

	// The one waiting in the lobby heard nothing of hands or reactions, and may not send them.
	waiting.send(`{"type":"hand","raised":true}`)
	if e := waiting.next("error", "hands", "reaction"); e["type"] != "error" || e["code"] != signal.CodeInLobby {
		t.Fatalf("hand from the lobby: %v", e)
	}
	waiting.send(`{"type":"ping","id":"end"}`)
	if m := waiting.next("pong", "hands", "reaction"); m["type"] != "pong" {
		t.Fatalf("the lobby received %v", m)
	}
	if n := func() int {
		alix.mu.Lock()
		defer alix.mu.Unlock()
		n := 0
		for _, e := range alix.events {
			if _, ok := e.(*signal.Reaction); ok {
				n++
			}
		}
		return n
	}(); n > 4 {
		t.Fatalf("Alix received %d reactions of a burst of six; the limit lets 3 (or 4) through", n)
	}
}
