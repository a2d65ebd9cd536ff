package room_test

import (
	"errors"
	"testing"
	"time"

	"visio/internal/room"
	"visio/internal/room/roomtest"
)

// breakoutPeer is p's peer in media room name (code, or code~N for breakout room N).
func (w *world) breakoutPeer(p *room.Participant, name string) *roomtest.Peer {
	w.t.Helper()
	rooms := w.media.Rooms(name)
	if len(rooms) == 0 {
		w.t.Fatalf("no media room %s", name)
	}
	return rooms[len(rooms)-1].Peer(p.ID())
}

func lastState(t *testing.T, c *roomtest.Conn) room.BreakoutState {
	t.Helper()
	list := roomtest.Of[room.BreakoutState](c)
	if len(list) == 0 {
		t.Fatalf("no breakout state in %#v", c.Events())
	}
	return list[len(list)-1]
}

func othersOf(wel room.Welcome) []string {
	var out []string
	for _, o := range wel.Others {
		out = append(out, o.Name)
	}
	return out
}

// roster is who c's participant sees: the last welcome's others, then joins and departures.
func roster(t *testing.T, c *roomtest.Conn) []string {
	t.Helper()
	var names map[string]string
	for _, ev := range c.Events() {
		switch e := ev.(type) {
		case room.Welcome:
			names = map[string]string{}
			for _, o := range e.Others {
				names[o.ID] = o.Name
			}
		case room.ParticipantJoined:
			names[e.Participant.ID] = e.Participant.Name
		case room.ParticipantLeft:
			delete(names, e.ParticipantID)
		}
	}
	var out []string
	for _, n := range names {
		out = append(out, n)
	}
	return out
}

func sameNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestBreakoutPermissions: only moderators open, move, broadcast or close; a participant
// cannot move itself into a room; the lobby hears nothing of breakout rooms.
func TestBreakoutPermissions(t *testing.T) {
	w := newWorld(t, 10, nil)
	mod, _ := w.enter(owner("Ada"))
	bob, _ := w.enter(member("Bob"))
	gu, guConn := w.enter(func() room.Entrant { e := guest("Gus"); e.Direct = true; return e }())
	_, lobbyConn := w.knock(guest("Lea"))

	plan := room.BreakoutPlan{Names: []string{"", ""}, Assign: map[string]int{bob.ID(): 1}}
	for _, p := range []*room.Participant{bob, gu} {
		if err := p.OpenBreakouts(plan); !errors.Is(err, room.ErrForbidden) {
			t.Fatalf("%s opened breakout rooms: %v, want ErrForbidden", p.ID(), err)
		}
	}
	if got := roomtest.Of[room.BreakoutState](guConn); len(got) != 0 {
		t.Fatalf("refused opening sent states %#v", got)
	}
	if err := mod.OpenBreakouts(plan); err != nil {
		t.Fatalf("moderator opens: %v", err)
	}
	if err := mod.OpenBreakouts(plan); !errors.Is(err, room.ErrBreakout) {
		t.Fatalf("second opening: %v, want ErrBreakout", err)
	}
	// A forged move: a participant asks to go to room 2, or to send someone else there.
	if err := gu.MoveToBreakout("", 2); !errors.Is(err, room.ErrForbidden) {
		t.Fatalf("guest moved itself: %v", err)
	}
	if err := gu.MoveToBreakout(bob.ID(), 0); !errors.Is(err, room.ErrForbidden) {
		t.Fatalf("guest moved bob: %v", err)
	}
	if err := gu.MoveToBreakout("", 0); !errors.Is(err, room.ErrForbidden) {
		t.Fatalf("guest returned without permission: %v", err)
	}
	if err := bob.BroadcastBreakout("hello"); !errors.Is(err, room.ErrForbidden) {
		t.Fatalf("member broadcast: %v", err)
	}
	if err := bob.CloseBreakouts(); !errors.Is(err, room.ErrForbidden) {
		t.Fatalf("member closed: %v", err)
	}
	if err := mod.MoveToBreakout(bob.ID(), 3); !errors.Is(err, room.ErrBreakout) {
		t.Fatalf("move to a room that does not exist: %v", err)
	}
	st := lastState(t, guConn)
	if !st.Open || st.Room != 0 || st.CanManage || st.Rooms[1].Participants != nil {
		t.Fatalf("guest's state %#v: want open, main room, no management, no member lists", st)
	}
	for _, ev := range lobbyConn.Events() {
		switch ev.(type) {
		case room.BreakoutState, room.BreakoutMessage, room.BreakoutEnding:
			t.Fatalf("someone in the lobby was told %#v", ev)
		}
	}
}

// TestBreakoutMoves: participants are moved to their room's media with a fresh welcome that
// lists only their room; the main room sees them leave; roles carry over; closing brings
// everyone back.
func TestBreakoutMoves(t *testing.T) {
	w := newWorld(t, 10, nil)
	mod, modConn := w.enter(owner("Ada"))
	bob, bobConn := w.enter(member("Bob"))
	cat, catConn := w.enter(member("Cat"))
	dan, danConn := w.enter(admin("Dan"))
	first := w.breakoutPeer(bob, code)

	err := mod.OpenBreakouts(room.BreakoutPlan{Names: []string{"Équipe A", ""},
		Assign: map[string]int{bob.ID(): 1, dan.ID(): 1, cat.ID(): 2}})
	if err != nil {
		t.Fatal(err)
	}
	if _, closed, _ := first.State(); !closed {
		t.Fatalf("bob's main-room peer still open")
	}
	if p := w.breakoutPeer(bob, code+"~1"); p == nil {
		t.Fatalf("bob has no peer in room 1")
	} else if started, _, _ := p.State(); !started {
		t.Fatalf("bob's room-1 peer not started")
	}
	if wel := welcome(t, bobConn); wel.Resumed || !sameNames(roster(t, bobConn), []string{"Dan"}) {
		t.Fatalf("bob's welcome: resumed %v, sees %v; want a fresh welcome and Dan only", wel.Resumed, roster(t, bobConn))
	}
	if st := lastState(t, bobConn); st.Room != 1 || st.Rooms[1].Name != "Équipe A" || st.Rooms[2].Name != "Salle 2" {
		t.Fatalf("bob's state %#v", st)
	}
	if wel := welcome(t, danConn); wel.Participant.Role != room.RoleAdmin || !contains(wel.Permissions, "moderate") {
		t.Fatalf("dan lost his role in the breakout room: %#v", wel.Participant)
	}
	if got := roster(t, catConn); len(got) != 0 {
		t.Fatalf("cat's room lists %v", got)
	}
	left := roomtest.Of[room.ParticipantLeft](modConn)
	if len(left) != 3 || left[0].Reason != "moved" {
		t.Fatalf("main room told %#v, want three moved", left)
	}
	st := lastState(t, modConn)
	if len(st.Rooms) != 3 || len(st.Rooms[0].Participants) != 1 || len(st.Rooms[1].Participants) != 2 || len(st.Rooms[2].Participants) != 1 {
		t.Fatalf("moderator's state %#v", st)
	}
	// Presence and tracks stay within each room.
	n := len(roomtest.Of[room.ParticipantUpdated](catConn))
	w.breakoutPeer(bob, code+"~1").Publish("TR_b", room.SourceMicrophone)
	if got := roomtest.Of[room.ParticipantUpdated](catConn); len(got) != n {
		t.Fatalf("cat, in room 2, told of bob's track in room 1: %#v", got[n:])
	}
	if got := roomtest.Of[room.ParticipantUpdated](danConn); len(got) == 0 || got[len(got)-1].Participant.ID != bob.ID() {
		t.Fatalf("dan not told of bob's track")
	}
	// A moderator visits room 2 and goes back.
	if err := mod.MoveToBreakout("", 2); err != nil {
		t.Fatal(err)
	}
	if got := roster(t, modConn); !sameNames(got, []string{"Cat"}) {
		t.Fatalf("visiting moderator sees %v", got)
	}
	if err := mod.MoveToBreakout("", 0); err != nil {
		t.Fatal(err)
	}
	if err := mod.BroadcastBreakout("Plus que 5 minutes"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*roomtest.Conn{modConn, bobConn, catConn, danConn} {
		if got := roomtest.Of[room.BreakoutMessage](c); len(got) != 1 || got[0].Text != "Plus que 5 minutes" || got[0].From.Name != "Ada" {
			t.Fatalf("broadcast not received: %#v", got)
		}
	}

	if err := mod.CloseBreakouts(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*roomtest.Conn{bobConn, catConn, danConn} {
		if got := roster(t, c); len(got) != 3 {
			t.Fatalf("back in the main room: sees %v", got)
		}
		if st := lastState(t, c); st.Open || st.Reason != room.BreakoutClosed {
			t.Fatalf("state after closing %#v", st)
		}
	}
	for i := 1; i <= 2; i++ {
		if r := w.media.Rooms(code + "~" + string(rune('0'+i))); !r[0].Closed() {
			t.Fatalf("breakout media room %d left open", i)
		}
	}
	if err := mod.CloseBreakouts(); !errors.Is(err, room.ErrBreakoutClosed) {
		t.Fatalf("closing twice: %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestBreakoutTranscription: transcription follows the main room only; its breakout media
// rooms are not tapped.
func TestBreakoutTranscription(t *testing.T) {
	w := newWorld(t, 10, &room.Transcription{Recognizer: recognizer{}, Language: "fr", Store: &store{}})
	mod, _ := w.enter(owner("Ada"))
	bob, _ := w.enter(member("Bob"))
	if err := mod.ControlTranscription("start"); err != nil {
		t.Fatal(err)
	}
	if err := mod.OpenBreakouts(room.BreakoutPlan{Names: []string{""}, Assign: map[string]int{bob.ID(): 1}}); err != nil {
		t.Fatal(err)
	}
	if !w.media.Rooms(code)[0].Tapped() || w.media.Rooms(code + "~1")[0].Tapped() {
		t.Fatal("want the main media room tapped and the breakout room not")
	}
	if err := mod.CloseBreakouts(); err != nil {
		t.Fatal(err)
	}
	if err := mod.ControlTranscription("stop"); err != nil {
		t.Fatal(err)
	}
}

// TestBreakoutTimer: everyone is warned before the end, and brought back when it ends.
func TestBreakoutTimer(t *testing.T) {
	w := newWorld(t, 10, nil)
	mod, _ := w.enter(owner("Ada"))
	var conns []*roomtest.Conn
	for _, n := range []string{"Bob", "Cat", "Dan", "Eve"} {
		_, c := w.enter(member(n))
		conns = append(conns, c)
	}
	if err := mod.OpenBreakouts(room.BreakoutPlan{Names: []string{"", ""}, Random: true, Duration: 10 * time.Minute, AllowReturn: true}); err != nil {
		t.Fatal(err)
	}
	rooms := map[int]int{}
	for _, c := range conns {
		st := lastState(t, c)
		if st.EndsAt == nil || !st.AllowReturn {
			t.Fatalf("state %#v: want an end time and return allowed", st)
		}
		rooms[st.Room]++
	}
	if rooms[1] != 2 || rooms[2] != 2 {
		t.Fatalf("random split %v, want two in each room", rooms)
	}
	w.clock.Advance(9*time.Minute - time.Second)
	if got := roomtest.Of[room.BreakoutEnding](conns[0]); len(got) != 0 {
		t.Fatalf("warned early: %#v", got)
	}
	w.clock.Advance(time.Second)
	for _, c := range conns {
		if got := roomtest.Of[room.BreakoutEnding](c); len(got) != 1 || got[0].Left != time.Minute {
			t.Fatalf("warning %#v, want one with a minute left", got)
		}
	}
	w.clock.Advance(time.Minute)
	for _, c := range conns {
		if st := lastState(t, c); st.Open || st.Reason != room.BreakoutTimeUp {
			t.Fatalf("after the timer: %#v", st)
		}
		if got := roster(t, c); len(got) != 4 {
			t.Fatalf("after the timer, sees %v", got)
		}
	}
}

// TestBreakoutArrivalsAndReconnect: someone admitted from the lobby lands in the main room; a
// participant who reconnects comes back to their breakout room; one allowed to return does.
func TestBreakoutArrivalsAndReconnect(t *testing.T) {
	w := newWorld(t, 10, nil)
	mod, _ := w.enter(owner("Ada"))
	bob, bobConn := w.enter(member("Bob"))
	cat, _ := w.enter(member("Cat"))
	req, _ := w.knock(guest("Lea"))
	if err := mod.OpenBreakouts(room.BreakoutPlan{Names: []string{"", ""}, Assign: map[string]int{bob.ID(): 1, cat.ID(): 1}, AllowReturn: true}); err != nil {
		t.Fatal(err)
	}
	if err := mod.Decide(true, []string{req.ID()}, false); err != nil {
		t.Fatal(err)
	}
	lea := req.Admitted()
	if lea == nil {
		t.Fatal("Lea not admitted")
	}
	if p := w.breakoutPeer(lea, code); p == nil {
		t.Fatal("Lea has no peer in the main room")
	}

	bob.Detach(bobConn)
	again := &roomtest.Conn{}
	token := welcome(t, bobConn).ResumeToken
	if _, err := w.ms.Resume(code, token, again); err != nil {
		t.Fatal(err)
	}
	wel := welcome(t, again)
	if !wel.Resumed || !sameNames(othersOf(wel), []string{"Cat"}) {
		t.Fatalf("resumed welcome %v, others %v: want bob back in room 1 with Cat", wel.Resumed, othersOf(wel))
	}
	if st := lastState(t, again); st.Room != 1 {
		t.Fatalf("resumed into room %d", st.Room)
	}
	// Moved while away: the next welcome is a fresh one (new peer connections).
	bob.Detach(again)
	if err := mod.MoveToBreakout(bob.ID(), 2); err != nil {
		t.Fatal(err)
	}
	third := &roomtest.Conn{}
	if _, err := w.ms.Resume(code, welcome(t, again).ResumeToken, third); err != nil {
		t.Fatal(err)
	}
	if wel := welcome(t, third); wel.Resumed {
		t.Fatal("moved while away, but resumed as if on the same peer")
	}
	if err := bob.MoveToBreakout("", 0); err != nil {
		t.Fatalf("return allowed, but refused: %v", err)
	}
	if st := lastState(t, third); st.Room != 0 {
		t.Fatalf("after returning, room %d", st.Room)
	}
}

// TestBreakoutChat: a message to everyone stays within its room, in the moment and in the
// history; private messages cross rooms; the main room's chat is there again after closing.
func TestBreakoutChat(t *testing.T) {
	w := newWorld(t, 10, nil)
	mod, modConn := w.enter(owner("Ada"))
	bob, bobConn := w.enter(member("Bob"))
	cat, catConn := w.enter(member("Cat"))
	if _, err := mod.Chat("avant", ""); err != nil {
		t.Fatal(err)
	}
	if err := mod.OpenBreakouts(room.BreakoutPlan{Names: []string{"", ""},
		Assign: map[string]int{bob.ID(): 1, cat.ID(): 2}}); err != nil {
		t.Fatal(err)
	}
	if wel := welcome(t, bobConn); len(wel.Chat) != 0 {
		t.Fatalf("bob's breakout welcome carries the main room's chat %q", historyTexts(wel.Chat))
	}
	n := len(chatTexts(catConn))
	if _, err := bob.Chat("en salle 1", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Chat("psst", cat.ID()); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "cat, in room 2", chatTexts(catConn)[n:], []string{"Bob→Cat:psst"})
	if got := chatTexts(modConn); got[len(got)-1] != "Ada:avant" {
		t.Fatalf("the main room read %q", got)
	}
	// A moderator visiting room 1 reads its chat, not room 2's.
	if err := mod.MoveToBreakout("", 1); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "the visit's history", historyTexts(welcome(t, modConn).Chat), []string{"Bob:en salle 1"})
	if err := mod.CloseBreakouts(); err != nil {
		t.Fatal(err)
	}
	sameLines(t, "cat's history back in the main room", historyTexts(welcome(t, catConn).Chat),
		[]string{"Ada:avant", "Bob→Cat:psst"})
}
