package room_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"visio/internal/room"
	"visio/internal/room/roomtest"
)

// handOrder is the order of raised hands in the last HandsChanged c received.
func handOrder(t *testing.T, c *roomtest.Conn) []string {
	t.Helper()
	list := roomtest.Of[room.HandsChanged](c)
	if len(list) == 0 {
		return nil
	}
	var ids []string
	for _, h := range list[len(list)-1].Hands {
		ids = append(ids, h.ParticipantID)
	}
	return ids
}

func TestHands(t *testing.T) {
	w := newWorld(t, 10, nil)
	mod, modC := w.enter(owner("Ann"))
	bob, bobC := w.enter(member("Bob"))
	req, reqC := w.knock(guest("Gus")) // waits in the lobby: hears nothing of hands
	if err := mod.Decide(true, []string{req.ID()}, false); err != nil {
		t.Fatal(err)
	}
	gus := req.Admitted()
	gusC := reqC
	_, lobbyC := w.knock(guest("Lea"))

	// Raised in order: Bob, then Gus; raising again keeps the place.
	for _, p := range []*room.Participant{bob, gus, bob} {
		if err := p.RaiseHand(true); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{bob.ID(), gus.ID()}
	for _, c := range []*roomtest.Conn{modC, bobC, gusC} {
		if got := handOrder(t, c); !slices.Equal(got, want) {
			t.Fatalf("hands %v, want %v", got, want)
		}
	}
	if n := len(roomtest.Of[room.HandsChanged](modC)); n != 2 {
		t.Fatalf("%d hand events, want 2 (raising a raised hand changes nothing)", n)
	}

	// A late joiner sees the hands in its welcome.
	_, eveC := w.enter(member("Eve"))
	if h := welcome(t, eveC).Hands; len(h) != 2 || h[0].ParticipantID != bob.ID() || h[0].Name != "Bob" {
		t.Fatalf("welcome hands %#v", h)
	}

	// A guest cannot lower someone else's hand; the moderator can.
	if err := gus.LowerHand(bob.ID()); !errors.Is(err, room.ErrForbidden) {
		t.Fatalf("guest lowers Bob's hand: %v, want ErrForbidden", err)
	}
	if err := mod.LowerHand("PA_nobody"); !errors.Is(err, room.ErrUnknownParticipant) {
		t.Fatalf("lower nobody's hand: %v", err)
	}
	if err := mod.LowerHand(bob.ID()); err != nil {
		t.Fatal(err)
	}
	last := roomtest.Of[room.HandsChanged](bobC)
	ev := last[len(last)-1]
	if ev.ParticipantID != bob.ID() || ev.Raised || ev.Reason != room.HandModerator || ev.By == nil || ev.By.ID != mod.ID() {
		t.Fatalf("Bob saw %#v", ev)
	}
	if got := handOrder(t, eveC); !slices.Equal(got, []string{gus.ID()}) {
		t.Fatalf("after lowering: %v", got)
	}

	// One's own hand: down, then up again at the end of the queue.
	if err := gus.LowerHand(gus.ID()); err != nil {
		t.Fatal(err)
	}
	_ = bob.RaiseHand(true)
	_ = gus.RaiseHand(true)
	if got := handOrder(t, modC); !slices.Equal(got, []string{bob.ID(), gus.ID()}) {
		t.Fatalf("raised again: %v", got)
	}

	// Leaving lowers the hand.
	bob.Leave()
	if got := handOrder(t, modC); !slices.Equal(got, []string{gus.ID()}) {
		t.Fatalf("after Bob left: %v", got)
	}

	if ev := roomtest.Of[room.HandsChanged](lobbyC); len(ev) != 0 {
		t.Fatalf("the lobby got %d hand events", len(ev))
	}
}

func TestHandLoweredWhenSpeaking(t *testing.T) {
	w := newWorld(t, 10, nil)
	_, modC := w.enter(owner("Ann"))
	bob, _ := w.enter(member("Bob"))
	if err := bob.RaiseHand(true); err != nil {
		t.Fatal(err)
	}
	speak := func() {
		w.media.Rooms(code)[0].Events.OnSpeakers([]room.Speaker{{ParticipantID: bob.ID(), Level: 0.5}})
	}
	speak() // a word as the hand goes up keeps it
	if got := handOrder(t, modC); len(got) != 1 {
		t.Fatalf("hand lowered at once: %v", got)
	}
	w.clock.Advance(5 * time.Second)
	speak()
	list := roomtest.Of[room.HandsChanged](modC)
	if ev := list[len(list)-1]; len(ev.Hands) != 0 || ev.Reason != room.HandSpoke {
		t.Fatalf("after speaking: %#v", ev)
	}
}

func TestReactions(t *testing.T) {
	w := newWorld(t, 10, nil)
	mod, modC := w.enter(owner("Ann"))
	bob, bobC := w.enter(member("Bob"))
	_, lobbyC := w.knock(guest("Lea"))
	_ = mod

	if err := bob.React("💩"); !errors.Is(err, room.ErrUnknownReaction) {
		t.Fatalf("unknown reaction: %v", err)
	}
	// A burst of three, then one per 500 ms.
	for i := range 3 {
		if err := bob.React("👍"); err != nil {
			t.Fatalf("reaction %d: %v", i, err)
		}
	}
	if err := bob.React("👍"); !errors.Is(err, room.ErrReactionLimited) {
		t.Fatalf("fourth reaction at once: %v, want ErrReactionLimited", err)
	}
	w.clock.Advance(500 * time.Millisecond)
	if err := bob.React("🎉"); err != nil {
		t.Fatalf("after 500 ms: %v", err)
	}
	if err := bob.React("🎉"); !errors.Is(err, room.ErrReactionLimited) {
		t.Fatalf("second within 500 ms: %v", err)
	}
	for _, c := range []*roomtest.Conn{modC, bobC} {
		got := roomtest.Of[room.Reacted](c)
		if len(got) != 4 || got[3].Emoji != "🎉" || got[3].ParticipantID != bob.ID() || got[3].Name != "Bob" {
			t.Fatalf("reactions seen: %#v", got)
		}
	}
	if got := roomtest.Of[room.Reacted](lobbyC); len(got) != 0 {
		t.Fatalf("the lobby got %d reactions", len(got))
	}
}
