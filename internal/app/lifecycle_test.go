package app

import (
	"context"
	"testing"
	"time"

	"visio/internal/client"
	"visio/internal/config"
	"visio/internal/signal"
)

func newRoom(t *testing.T, base string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	code, err := client.CreateRoom(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// TestVanishedParticipant: someone whose connection drops and who does not come back is removed
// when the grace period ends; a late resume is refused; the empty room closes.
func TestVanishedParticipant(t *testing.T) {
	base := startServer(t, func(c *config.Config) { c.Signal.ReconnectGrace = config.Duration(time.Second) })
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	code := newRoom(t, base)
	a := join(t, api, base, code, "Alice")
	a.publish(1)
	b := join(t, api, base, code, "Bob")
	b.publish(2)
	eventually(t, 15*time.Second, "Bob to receive Alice", func() bool {
		pkts, _ := b.packets(b.trackOf(a.c.ID(), "camera"))
		return len(pkts) > 5
	})
	if got := metric(t, base, "visio_participants"); got != 2 {
		t.Errorf("visio_participants = %v, want 2", got)
	}
	if got := metric(t, base, "visio_sfu_forwarded_packets_total"); got == 0 {
		t.Error("visio_sfu_forwarded_packets_total is 0 while media flows")
	}
	// Both subscriber connections send on the server's own SRTP and socket (sendpath.go): what
	// Bob received above was encrypted there and decrypted by pion in the client.
	if got := metric(t, base, `visio_sfu_subscriber_send_paths_total{path="direct"}`); got != 2 {
		t.Errorf("direct send paths = %v, want 2", got)
	}
	if got := metric(t, base, `visio_sfu_subscriber_send_paths_total{path="pion"}`); got != 0 {
		t.Errorf("pion send paths = %v, want 0", got)
	}

	aid := a.c.ID()
	a.c.DropSignalling()
	eventually(t, 10*time.Second, "Alice to be removed after the grace period", func() bool {
		return b.sawEvent(func(e any) bool {
			m, ok := e.(*signal.ParticipantLeft)
			return ok && m.ParticipantID == aid && m.Reason == "timeout"
		})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.c.Resume(ctx); err == nil {
		t.Error("resume after the grace period succeeded, want resume_expired")
	}

	b.c.Leave(ctx)
	eventually(t, 10*time.Second, "the empty room to close", func() bool {
		return metric(t, base, "visio_rooms") == 0 && metric(t, base, "visio_participants") == 0
	})
	if got := metric(t, base, "visio_sfu_published_tracks"); got != 0 {
		t.Errorf("visio_sfu_published_tracks = %v after everyone left, want 0", got)
	}
}

// TestGracefulShutdown: on SIGTERM every participant is told before the server exits.
func TestGracefulShutdown(t *testing.T) {
	base, stop := startServerStop(t)
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	code := newRoom(t, base)
	a := join(t, api, base, code, "Alice")
	a.publish(1)
	b := join(t, api, base, code, "Bob")
	stop()
	for _, p := range []*participant{a, b} {
		if !p.sawEvent(func(e any) bool {
			m, ok := e.(*signal.Bye)
			return ok && m.Reason == "shutdown"
		}) {
			t.Errorf("%s was not told about the shutdown", p.c.ID())
		}
	}
}

// TestRoomFull: the participant limit is enforced with a clear error.
func TestRoomFull(t *testing.T) {
	base := startServer(t, func(c *config.Config) { c.Room.MaxParticipants = 2 })
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	code := newRoom(t, base)
	join(t, api, base, code, "A")
	join(t, api, base, code, "B")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Join(ctx, api, base, code, "C", client.Options{Loopback: true})
	if err == nil {
		c.Close()
		t.Fatal("third participant joined a room limited to two")
	}
	t.Logf("third participant refused: %v", err)
}
