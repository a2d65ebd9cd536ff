package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"visio/internal/client"
	"visio/internal/signal"
)

// publishers counts, per synthetic publisher number, the packets p received on all its tracks.
func (p *participant) publishers() map[byte]int {
	p.mu.Lock()
	list := make([]*received, 0, len(p.tracks))
	for _, r := range p.tracks {
		list = append(list, r)
	}
	p.mu.Unlock()
	out := map[byte]int{}
	for _, r := range list {
		r.mu.Lock()
		for _, pkt := range r.packets {
			if pub, _, _, ok := client.ParsePayload(pkt.Payload); ok {
				out[pub]++
			}
		}
		r.mu.Unlock()
	}
	return out
}

// hears waits until, over one window of time, p receives media from exactly the publishers in
// want, and fails with what it received otherwise.
func hears(t *testing.T, name string, p *participant, want ...byte) {
	t.Helper()
	var got map[byte]int
	ok := within(15*time.Second, func() bool {
		before := p.publishers()
		time.Sleep(700 * time.Millisecond)
		after := p.publishers()
		got = map[byte]int{}
		for pub, n := range after {
			if d := n - before[pub]; d > 0 {
				got[pub] = d
			}
		}
		if len(got) != len(want) {
			return false
		}
		for _, w := range want {
			if got[w] == 0 {
				return false
			}
		}
		return true
	})
	if !ok {
		t.Fatalf("%s receives media from publishers %v, want exactly %v", name, got, want)
	}
}

// trackIDs lists the tracks p received so far.
func (p *participant) trackIDs() map[string]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]bool{}
	for id := range p.tracks {
		out[id] = true
	}
	return out
}

// newMediaFrom reports whether p received a packet of publisher pub on a track not in known.
func (p *participant) newMediaFrom(known map[string]bool, pub byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, r := range p.tracks {
		if known[id] {
			continue
		}
		r.mu.Lock()
		got := false
		for _, pkt := range r.packets {
			if n, _, _, ok := client.ParsePayload(pkt.Payload); ok && n == pub {
				got = true
				break
			}
		}
		r.mu.Unlock()
		if got {
			return true
		}
	}
	return false
}

func lastBreakout(p *participant) *signal.BreakoutState {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.events) - 1; i >= 0; i-- {
		if st, ok := p.events[i].(*signal.BreakoutState); ok {
			return st
		}
	}
	return nil
}

func lastError(p *participant) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.events) - 1; i >= 0; i-- {
		if e, ok := p.events[i].(*signal.ErrorMessage); ok {
			return e.Code
		}
	}
	return ""
}

// TestBreakoutMedia: with real WebRTC, someone in the lobby hears nothing of breakout rooms
// and lands in the main room when let in; a participant who is not a moderator cannot open
// breakout rooms nor move itself;
// once a moderator splits the meeting, media flows only within each room, someone whose
// signalling drops resumes in their breakout room, the moderator visits
// a room, a broadcast reaches every room, and closing them brings everyone back with media
// from all, without anyone joining again.
func TestBreakoutMedia(t *testing.T) {
	base, api, code, _, owner := ownedMeeting(t, "trusted")
	a := joinWith(t, api, base, code, "Alix", client.Options{HTTP: signIn(t, base, "Alix")})
	b := joinWith(t, api, base, code, "Bao", client.Options{HTTP: signIn(t, base, "Bao")})
	c := joinWith(t, api, base, code, "Chloé", client.Options{HTTP: signIn(t, base, "Chloé")})
	// A guest waits in the lobby of this trusted room.
	lea, first := knock(t, base, code, guestToken(t, base, code, "Léa"))
	if first["type"] != "lobby" {
		t.Fatalf("guest: %v, want the lobby", first)
	}
	for i, p := range []*participant{owner, a, b, c} {
		p.publish(byte(i + 1))
	}
	hears(t, "Alix before", a, 1, 3, 4)
	ctx := context.Background()
	ids := map[*participant]string{owner: owner.c.ID(), a: a.c.ID(), b: b.c.ID(), c: c.c.ID()}

	// Someone in the lobby may not ask for rooms; a participant who is not a moderator may not
	// open rooms, nor move itself into one.
	lea.send(`{"type":"breakout","action":"open","rooms":["",""]}`)
	if e := lea.next("error"); e["code"] != signal.CodeInLobby {
		t.Fatalf("breakout from the lobby: %v, want %s", e, signal.CodeInLobby)
	}
	if err := a.c.Breakout(ctx, signal.BreakoutControl{Action: "open", Rooms: []string{"", ""}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "guest refused", func() bool { return lastError(a) == signal.CodeForbidden })
	a.mu.Lock()
	a.events = nil
	a.mu.Unlock()
	if err := a.c.Breakout(ctx, signal.BreakoutControl{Action: "move", ParticipantID: ids[a], Room: 2}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "forged move refused", func() bool { return lastError(a) == signal.CodeForbidden })
	if lastBreakout(owner) != nil {
		t.Fatal("a refused request changed the breakout state")
	}

	// Alix and Bao in room 1, Chloé in room 2, the owner stays in the main room.
	known := a.trackIDs()
	opened := time.Now()
	err := owner.c.Breakout(ctx, signal.BreakoutControl{Action: "open", Rooms: []string{"Salle 1", "Salle 2"},
		Assign: map[string]int{ids[a]: 1, ids[b]: 1, ids[c]: 2}})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[*participant]int{a: 1, b: 1, c: 2} {
		eventually(t, 10*time.Second, "moved", func() bool { st := lastBreakout(p); return st != nil && st.Room == want })
	}
	eventually(t, 15*time.Second, "Alix receives Bao's media in room 1", func() bool { return a.newMediaFrom(known, 3) })
	t.Logf("move: %v from the moderator's open to Alix's first packet from Bao in room 1", time.Since(opened).Round(time.Millisecond))
	hears(t, "Alix in room 1", a, 3)

	// The lobby heard nothing of it; let in now, the guest lands in the main room.
	lea.send(`{"type":"ping","id":"lobby"}`)
	if m := lea.next("pong", "breakout_state", "breakout_message", "welcome"); m["type"] != "pong" {
		t.Fatalf("someone in the lobby was sent %v", m)
	}
	if err := owner.c.SendRaw(ctx, []byte(`{"type":"admit","request_ids":["`+first["request_id"].(string)+`"]}`)); err != nil {
		t.Fatal(err)
	}
	if w := lea.next("welcome"); len(w["participants"].([]any)) != 1 {
		t.Fatalf("admitted guest sees %v, want the main room's moderator only", w["participants"])
	}
	if st := lea.next("breakout_state"); st["open"] != true || st["room"] != float64(0) || st["can_manage"] != false {
		t.Fatalf("admitted guest's breakout state %v, want open, main room", st)
	}
	hears(t, "Bao in room 1", b, 2)
	hears(t, "Chloé alone in room 2", c)
	hears(t, "the owner alone in the main room", owner)
	for p, want := range map[*participant]string{a: ids[a], b: ids[b], c: ids[c]} {
		if got := p.c.ID(); got != want {
			t.Fatalf("participant id changed from %s to %s: a move is not a new join", want, got)
		}
	}

	// Bao's signalling drops; he resumes his place, in room 1.
	b.c.DropSignalling()
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	if err := b.c.Resume(rctx); err != nil {
		cancel()
		t.Fatalf("resume: %v", err)
	}
	cancel()
	if w := b.c.Welcome(); !w.Resumed || len(w.Participants) != 1 || w.Participants[0].ID != ids[a] {
		t.Fatalf("Bao resumed with %+v, want his place in room 1 with Alix", w.Participants)
	}
	eventually(t, 5*time.Second, "Bao back in room 1", func() bool { st := lastBreakout(b); return st != nil && st.Reason == "welcome" && st.Room == 1 })
	hears(t, "Bao resumed in room 1", b, 2)

	// The owner visits room 2, and broadcasts.
	if err := owner.c.Breakout(ctx, signal.BreakoutControl{Action: "visit", Room: 2}); err != nil {
		t.Fatal(err)
	}
	hears(t, "the owner visiting room 2", owner, 4)
	hears(t, "Chloé with the owner", c, 1)
	hears(t, "Alix still in room 1", a, 3)
	if err := owner.c.Breakout(ctx, signal.BreakoutControl{Action: "broadcast", Text: "Plus que 2 minutes"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*participant{a, b, c} {
		eventually(t, 5*time.Second, "broadcast received", func() bool {
			return p.sawEvent(func(e any) bool {
				m, ok := e.(*signal.BreakoutMessageJSON)
				return ok && m.Text == "Plus que 2 minutes" && m.From.Name == "Dominique"
			})
		})
	}

	// Everyone back: all hear all again.
	if err := owner.c.Breakout(ctx, signal.BreakoutControl{Action: "close"}); err != nil {
		t.Fatal(err)
	}
	for i, p := range []*participant{owner, a, b, c} {
		eventually(t, 10*time.Second, "closed", func() bool { st := lastBreakout(p); return st != nil && !st.Open && st.Room == 0 })
		var want []byte
		for j := range 4 {
			if j != i {
				want = append(want, byte(j+1))
			}
		}
		hears(t, fmt.Sprintf("participant %d back in the main room", i+1), p, want...)
	}
}
