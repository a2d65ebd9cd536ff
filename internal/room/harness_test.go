package room_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"visio/internal/room"
	"visio/internal/room/roomtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	code  = "abc-defg-hij"
	grace = 20 * time.Second
	wait  = 10 * time.Minute // lobby timeout
)

// world is one server's meetings on fakes.
type world struct {
	t     *testing.T
	ms    *room.Meetings
	clock *roomtest.Clock
	media *roomtest.Media
	roles *roomtest.Roles
}

func newWorld(t *testing.T, max int, tx *room.Transcription) *world {
	t.Helper()
	return newWorldWith(t, max, tx, nil)
}

// newWorldWith is newWorld with more parameters set by mutate (nil: none).
func newWorldWith(t *testing.T, max int, tx *room.Transcription, mutate func(*room.Params)) *world {
	t.Helper()
	w := &world{t: t, clock: roomtest.NewClock(), media: roomtest.NewMedia(), roles: &roomtest.Roles{}}
	p := room.Params{
		Config: room.Config{MaxParticipants: max, ReconnectGrace: grace, LobbyTimeout: wait},
		Media:  w.media.Factory, Roles: w.roles, Clock: w.clock, Transcription: tx,
	}
	if mutate != nil {
		mutate(&p)
	}
	w.ms = room.New(p)
	t.Cleanup(func() {
		w.ms.Shutdown()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := w.ms.Wait(ctx); err != nil {
			t.Errorf("meetings did not finish: %v", err)
		}
		w.ms.Close()
	})
	return w
}

// Entrants as auth.Admit lets them in: the owner and administrators moderate, signed-in members
// enter directly, guests knock.
func owner(name string) room.Entrant {
	return room.Entrant{ID: "US_" + name, Name: name, SignedIn: true, Role: room.RoleOwner, Direct: true,
		Permissions: room.Permissions{Publish: true, Subscribe: true, Moderate: true}, Room: room.Info{Code: code, Name: "Weekly", Access: "public"}}
}

func admin(name string) room.Entrant {
	e := owner(name)
	e.Role = room.RoleAdmin
	return e
}

func member(name string) room.Entrant {
	return room.Entrant{ID: "US_" + name, Name: name, SignedIn: true, Role: "member", Direct: true,
		Permissions: room.Permissions{Publish: true, Subscribe: true}}
}

func guest(name string) room.Entrant {
	return room.Entrant{ID: "GU_" + name, Name: name, Permissions: room.Permissions{Publish: true, Subscribe: true}}
}

func viewer(name string) room.Entrant {
	return room.Entrant{ID: "GU_" + name, Name: name, Direct: true, Permissions: room.Permissions{Subscribe: true}}
}

// enter joins e, who must get in directly.
func (w *world) enter(e room.Entrant) (*room.Participant, *roomtest.Conn) {
	w.t.Helper()
	c := &roomtest.Conn{}
	p, req, err := w.ms.Join(code, "192.0.2.1", c, e)
	if err != nil || p == nil || req != nil {
		w.t.Fatalf("join %s: participant %v, lobby request %v, error %v; want a participant", e.Name, p, req, err)
	}
	return p, c
}

// knock joins e, who must wait in the lobby.
func (w *world) knock(e room.Entrant) (*room.LobbyRequest, *roomtest.Conn) {
	w.t.Helper()
	c := &roomtest.Conn{}
	p, req, err := w.ms.Join(code, "192.0.2.2", c, e)
	if err != nil || req == nil || p != nil {
		w.t.Fatalf("join %s: participant %v, lobby request %v, error %v; want a lobby request", e.Name, p, req, err)
	}
	return req, c
}

// peer is p's fake media.
func (w *world) peer(p *room.Participant) *roomtest.Peer {
	w.t.Helper()
	rooms := w.media.Rooms(code)
	for i := len(rooms) - 1; i >= 0; i-- {
		if peer := rooms[i].Peer(p.ID()); peer != nil {
			return peer
		}
	}
	w.t.Fatalf("no media peer for %s", p.ID())
	return nil
}

func welcome(t *testing.T, c *roomtest.Conn) room.Welcome {
	t.Helper()
	list := roomtest.Of[room.Welcome](c)
	if len(list) == 0 {
		t.Fatalf("no welcome in %#v", c.Events())
	}
	return list[len(list)-1]
}

func closedWith[T room.Event](t *testing.T, c *roomtest.Conn) T {
	t.Helper()
	closed, last := c.Closed()
	ev, ok := last.(T)
	if !closed || !ok {
		t.Fatalf("connection closed %v with %#v, want a %T", closed, last, ev)
	}
	return ev
}

func notClosed(t *testing.T, c *roomtest.Conn) {
	t.Helper()
	if closed, last := c.Closed(); closed {
		t.Fatalf("connection closed with %#v", last)
	}
}
