package room_test

import (
	"errors"
	"testing"

	"visio/internal/room"
	"visio/internal/room/roomtest"
)

// TestMeetingLifecycle: nothing opens a meeting but an accepted entrant, and a meeting closes,
// with its media, once nobody is in it, in grace or in the lobby.
func TestMeetingLifecycle(t *testing.T) {
	t.Run("a made-up resume token opens nothing", func(t *testing.T) {
		w := newWorld(t, 10, nil)
		if _, err := w.ms.Resume(code, "made-up", &roomtest.Conn{}); !errors.Is(err, room.ErrResumeExpired) {
			t.Fatalf("resume: %v", err)
		}
		if w.ms.Live() != 0 || len(w.media.Rooms(code)) != 0 {
			t.Fatal("a resume with a made-up token opened a meeting")
		}
		p, _ := w.enter(member("Max"))
		if _, err := w.ms.Resume(code, "made-up", &roomtest.Conn{}); !errors.Is(err, room.ErrResumeExpired) {
			t.Fatalf("resume on a live meeting: %v", err)
		}
		p.Leave()
		if w.ms.Live() != 0 || w.media.Open() != 0 {
			t.Fatal("meeting left open")
		}
	})
	t.Run("a failed entry leaves nothing", func(t *testing.T) {
		w := newWorld(t, 10, nil)
		w.media.FailPeers = true
		if _, _, err := w.ms.Join(code, "192.0.2.1", &roomtest.Conn{}, member("Max")); !errors.Is(err, roomtest.ErrNoPeer) {
			t.Fatalf("join: %v", err)
		}
		if w.ms.Live() != 0 || w.media.Open() != 0 {
			t.Fatalf("%d meetings, %d media rooms left by a failed entry", w.ms.Live(), w.media.Open())
		}
	})
	t.Run("closes after the last one's grace", func(t *testing.T) {
		w := newWorld(t, 10, nil)
		a, ac := w.enter(member("Ada"))
		b, bc := w.enter(member("Bob"))
		a.Leave()
		b.Detach(bc)
		if w.ms.Live() != 1 {
			t.Fatal("the meeting closed while Bob is in grace")
		}
		w.clock.Advance(grace)
		if w.ms.Live() != 0 || w.media.Open() != 0 {
			t.Fatal("the meeting stayed open after Bob's grace")
		}
		if _, err := w.ms.Resume(code, welcome(t, ac).ResumeToken, &roomtest.Conn{}); !errors.Is(err, room.ErrResumeExpired) {
			t.Fatalf("resume into a closed meeting: %v", err)
		}
		// The next entrant opens a new meeting with new media.
		w.enter(member("Cy"))
		if rooms := w.media.Rooms(code); len(rooms) != 2 || rooms[1].Closed() {
			t.Fatalf("media rooms %v, want a second one open", rooms)
		}
	})
	t.Run("stays open while someone waits in the lobby", func(t *testing.T) {
		w := newWorld(t, 10, nil)
		a, _ := w.enter(owner("Ada"))
		req, _ := w.knock(guest("Bob"))
		a.Leave()
		if w.ms.Live() != 1 {
			t.Fatal("the meeting closed with Bob in the lobby")
		}
		req.Leave()
		if w.ms.Live() != 0 || w.media.Open() != 0 {
			t.Fatal("the meeting stayed open after the lobby emptied")
		}
	})
	t.Run("shutdown", func(t *testing.T) {
		w := newWorld(t, 10, nil)
		_, ac := w.enter(owner("Ada"))
		_, gc := w.knock(guest("Bob"))
		w.ms.Shutdown()
		if bye := closedWith[room.Bye](t, ac); bye.Reason != "shutdown" {
			t.Fatalf("Ada closed with %q", bye.Reason)
		}
		closedWith[room.Bye](t, gc)
		if _, _, err := w.ms.Join(code, "192.0.2.1", &roomtest.Conn{}, member("Max")); !errors.Is(err, room.ErrShuttingDown) {
			t.Fatalf("join after shutdown: %v", err)
		}
		if w.ms.Live() != 0 || w.media.Open() != 0 {
			t.Fatal("meetings left after shutdown")
		}
	})
}
