package room_test

import (
	"errors"
	"testing"

	"visio/internal/room"
	"visio/internal/room/roomtest"
)

func TestLobby(t *testing.T) {
	tests := []struct {
		name      string
		settle    func(w *world, mod *room.Participant, req *room.LobbyRequest)
		admitted  bool
		denied    string // the Denied reason the guest is closed with
		moderator string // the state moderators are told
	}{
		{"admit", func(_ *world, mod *room.Participant, req *room.LobbyRequest) {
			if err := mod.Decide(true, []string{req.ID(), req.ID()}, false); err != nil {
				t.Fatalf("admit: %v", err)
			}
		}, true, "", "admitted"},
		{"admit all", func(_ *world, mod *room.Participant, _ *room.LobbyRequest) {
			if err := mod.Decide(true, nil, true); err != nil {
				t.Fatalf("admit all: %v", err)
			}
		}, true, "", "admitted"},
		{"deny", func(_ *world, mod *room.Participant, req *room.LobbyRequest) {
			if err := mod.Decide(false, []string{req.ID()}, false); err != nil {
				t.Fatalf("deny: %v", err)
			}
		}, false, "denied", "denied"},
		{"timeout", func(w *world, _ *room.Participant, _ *room.LobbyRequest) {
			w.clock.Advance(wait - 1)
			w.clock.Advance(1)
		}, false, "timeout", "timeout"},
		{"leave", func(_ *world, _ *room.Participant, req *room.LobbyRequest) { req.Leave() }, false, "", "left"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, 10, nil)
			mod, modConn := w.enter(owner("Ada"))
			req, guestConn := w.knock(guest("Bob"))

			if got := roomtest.Of[room.Waiting](guestConn); len(got) != 1 || !got[0].ModeratorsPresent || got[0].RequestID != req.ID() {
				t.Fatalf("guest told %#v, want waiting with moderators present", got)
			}
			if got := roomtest.Of[room.LobbyRequested](modConn); len(got) != 1 || got[0].Entry.Name != "Bob" {
				t.Fatalf("moderator told %#v, want Bob's request", got)
			}
			if w.ms.Participants(code) != 1 {
				t.Fatalf("someone in the lobby counted as a participant")
			}

			tt.settle(w, mod, req)

			settled := roomtest.Of[room.LobbySettled](modConn)
			if len(settled) != 1 || settled[0].State != tt.moderator || settled[0].RequestID != req.ID() {
				t.Fatalf("moderator told %#v, want one %q", settled, tt.moderator)
			}
			p := req.Admitted()
			if tt.admitted {
				if p == nil {
					t.Fatal("admitted request has no participant")
				}
				if wl := welcome(t, guestConn); wl.Participant.ID != p.ID() || len(wl.Others) != 1 {
					t.Fatalf("welcome %#v", wl)
				}
				if started, _, _ := w.peer(p).State(); !started {
					t.Fatal("admitted participant's media not started")
				}
				if got := roomtest.Of[room.ParticipantJoined](modConn); len(got) != 1 {
					t.Fatalf("moderator saw %d joins, want 1", len(got))
				}
				notClosed(t, guestConn)
				return
			}
			if p != nil {
				t.Fatalf("request %s became participant %s", tt.name, p.ID())
			}
			if tt.denied != "" {
				if d := closedWith[room.Denied](t, guestConn); d.Reason != tt.denied {
					t.Fatalf("denied for %q, want %q", d.Reason, tt.denied)
				}
			}
			if w.clock.Pending() != 0 {
				t.Fatalf("%d timers left after the request was settled", w.clock.Pending())
			}
		})
	}
}

func TestLobbyRules(t *testing.T) {
	t.Run("only moderators decide", func(t *testing.T) {
		w := newWorld(t, 10, nil)
		w.enter(owner("Ada"))
		m, _ := w.enter(member("Max"))
		req, _ := w.knock(guest("Bob"))
		if err := m.Decide(true, []string{req.ID()}, false); !errors.Is(err, room.ErrForbidden) {
			t.Fatalf("member admits: %v, want ErrForbidden", err)
		}
		if req.Admitted() != nil {
			t.Fatal("a member let someone in")
		}
	})
	t.Run("alone in the lobby, then the meeting closes", func(t *testing.T) {
		w := newWorld(t, 10, nil)
		_, c := w.knock(guest("Bob"))
		if got := roomtest.Of[room.Waiting](c); len(got) != 1 || got[0].ModeratorsPresent {
			t.Fatalf("told %#v, want waiting without moderators", got)
		}
		w.clock.Advance(wait)
		if w.ms.Live() != 0 || w.media.Open() != 0 {
			t.Fatalf("%d meetings and %d media rooms live after the lobby emptied", w.ms.Live(), w.media.Open())
		}
	})
	t.Run("a promoted moderator sees the lobby", func(t *testing.T) {
		w := newWorld(t, 10, nil)
		mod, _ := w.enter(owner("Ada"))
		m, mc := w.enter(member("Max"))
		w.knock(guest("Bob"))
		if err := mod.Moderate(t.Context(), room.ActionPromote, m.ID()); err != nil {
			t.Fatal(err)
		}
		if got := roomtest.Of[room.LobbyRequested](mc); len(got) != 1 {
			t.Fatalf("promoted member told of %d requests, want 1", len(got))
		}
	})
	t.Run("knocking too often", func(t *testing.T) {
		w := newWorld(t, 10, nil)
		w.enter(owner("Ada"))
		var err error
		for i := 0; i < 5 && err == nil; i++ {
			var req *room.LobbyRequest
			_, req, err = w.ms.Join(code, "192.0.2.9", &roomtest.Conn{}, guest("Eve"))
			if req != nil {
				req.Leave()
			}
		}
		if !errors.Is(err, room.ErrKnockLimited) {
			t.Fatalf("five knocks at once: %v, want ErrKnockLimited", err)
		}
	})
}
