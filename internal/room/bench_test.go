package room_test

import (
	"fmt"
	"testing"
	"time"

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

// BenchmarkChat measures the meeting's cost of one chat message to everyone in a meeting of 50
// (cleaning the text, the rate limit, the history, the event to each connection), and of the
// welcome's history for a late joiner once the history is full.
func BenchmarkChat(b *testing.B) {
	w := &world{clock: roomtest.NewClock(), media: roomtest.NewMedia(), roles: &roomtest.Roles{}}
	w.ms = room.New(room.Params{Config: room.Config{MaxParticipants: 1000, ReconnectGrace: grace, LobbyTimeout: wait},
		Media: w.media.Factory, Clock: w.clock})
	defer w.ms.Close()
	defer w.ms.Shutdown()
	var ps []*room.Participant
	for i := range 50 {
		p, _, err := w.ms.Join(code, "192.0.2.1", discard{}, member(fmt.Sprint("P", i)))
		if err != nil {
			b.Fatal(err)
		}
		ps = append(ps, p)
	}
	text := "Bonjour à tous, le compte rendu est sur https://example.org/cr — merci !"
	b.Run("send", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			// Each sender once in 50 messages: well within the rate limit on a still clock.
			if _, err := ps[i%len(ps)].Chat(text, ""); err != nil {
				b.Fatal(err)
			}
			if i++; i%len(ps) == 0 {
				w.clock.Advance(time.Second)
			}
		}
	})
	b.Run("late-joiner", func(b *testing.B) {
		e := member("Late")
		b.ReportAllocs()
		for b.Loop() {
			p, _, err := w.ms.Join(code, "192.0.2.1", discard{}, e)
			if err != nil {
				b.Fatal(err)
			}
			p.Leave()
		}
	})
}
