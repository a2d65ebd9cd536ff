package room_test

import (
	"fmt"
	"testing"

	"visio/internal/room"
	"visio/internal/room/roomtest"
)

// BenchmarkEnterLeave measures the meeting's own cost of one participant entering and leaving a
// meeting of 50 (the welcome, the roster events to everyone, the media calls on fakes).
func BenchmarkEnterLeave(b *testing.B) {
	w := &world{clock: roomtest.NewClock(), media: roomtest.NewMedia(), roles: &roomtest.Roles{}}
	w.ms = room.New(room.Params{Config: room.Config{MaxParticipants: 1000, ReconnectGrace: grace, LobbyTimeout: wait},
		Media: w.media.Factory, Clock: w.clock})
	defer w.ms.Close()
	defer w.ms.Shutdown()
	for i := range 50 {
		if _, _, err := w.ms.Join(code, "192.0.2.1", discard{}, member(fmt.Sprint("P", i))); err != nil {
			b.Fatal(err)
		}
	}
	e := member("Bench")
	b.ReportAllocs()
	for b.Loop() {
		p, _, err := w.ms.Join(code, "192.0.2.1", discard{}, e)
		if err != nil {
			b.Fatal(err)
		}
		p.Leave()
	}
}

// discard is a connection that drops what it is sent.
type discard struct{}

func (discard) Send(room.Event)  {}
func (discard) Close(room.Event) {}
