package cluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestLiveOf: a node asks a room's node for its live figures over NATS; a room placed here or
// nowhere is answered locally; an answer not signed with the cluster key, or a stale answer to
// another request, is refused; a request not signed is not answered.
func TestLiveOf(t *testing.T) {
	_, url := startNATS(t)
	a, b := startNode(t, url, "a", Load{}, nil), startNode(t, url, "b.example-8080", Load{CPU: 0.9}, nil)
	ctx := context.Background()
	for _, n := range []*node{a, b} {
		waitFor(t, "the nodes to see each other", func() bool { return len(n.Status()) == 2 })
	}
	figures := map[string]Live{"abc-defg-hij": {Participants: 7, Locked: true}}
	if err := a.ServeLive(func(code, subject string) Live {
		l := figures[code]
		l.LockedOut = l.Locked && subject == "US_out"
		return l
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.ServeLive(func(string, string) Live { return Live{Participants: 99} }); err != nil {
		t.Fatal(err)
	}
	if n, err := a.Place(ctx, "abc-defg-hij"); err != nil || n.ID != "a" {
		t.Fatalf("placed on %v, %v; want a (the least loaded)", n.ID, err)
	}
	waitFor(t, "b to see the placement", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		_, seen := b.placed["abc-defg-hij"]
		return seen
	})
	local := func(string, string) Live { return Live{Participants: -1} }
	if got, asked, err := b.LiveOf(ctx, "abc-defg-hij", "", local); err != nil || !asked || got != (Live{Participants: 7, Locked: true}) {
		t.Errorf("b asking a: %+v asked %v, %v", got, asked, err)
	}
	if got, _, err := b.LiveOf(ctx, "abc-defg-hij", "US_out", local); err != nil || !got.LockedOut {
		t.Errorf("b asking a whether US_out may enter: %+v, %v; want locked out", got, err)
	}
	if got, asked, err := a.LiveOf(ctx, "abc-defg-hij", "", local); err != nil || asked || got.Participants != -1 {
		t.Errorf("a's own room: %+v asked %v, %v", got, asked, err)
	}
	if got, asked, err := b.LiveOf(ctx, "zzz-zzzz-zzz", "", local); err != nil || asked || got.Participants != -1 {
		t.Errorf("a room placed nowhere: %+v asked %v, %v", got, asked, err)
	}

	// An operator's tool reads every room's figures from its node.
	st := b.Status()
	ReadLive(ctx, b.bus, testKey, st)
	for _, n := range st {
		want := []RoomLive(nil)
		if n.ID == "a" {
			want = []RoomLive{{Code: "abc-defg-hij", Live: Live{Participants: 7, Locked: true}}}
		}
		if len(n.Rooms) != len(want) || (len(want) > 0 && n.Rooms[0] != want[0]) {
			t.Errorf("ReadLive: node %s rooms %+v, want %+v", n.ID, n.Rooms, want)
		}
	}

	// A client of the NATS server that is not a node gets no answer, and cannot answer in a
	// node's name.
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Request(liveSubject("a"), []byte(`{"room":"abc-defg-hij"}`), 200*time.Millisecond); !errors.Is(err, nats.ErrTimeout) {
		t.Errorf("unsigned request: %v, want no answer", err)
	}
	// Node c answers nothing itself (it never serves live figures): an impostor answers in its
	// name.
	c := startNode(t, url, "c", Load{}, nil)
	waitFor(t, "b to see c", func() bool { return len(b.Status()) == 3 })
	if n, err := b.Place(ctx, "ccc-cccc-ccc"); err != nil || n.ID != "c" {
		t.Fatalf("placed on %v, %v; want c (the least loaded)", n.ID, err)
	}
	sub, err := nc.Subscribe(liveSubject(c.ID()), func(m *nats.Msg) {
		_ = m.Respond([]byte(`{"info":{"room":"ccc-cccc-ccc","participants":1000},"mac":"AAAA"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.Flush()
	if _, asked, err := b.LiveOf(ctx, "ccc-cccc-ccc", "", local); !asked || !errors.Is(err, ErrBadEntry) {
		t.Errorf("forged answer: asked %v, %v; want ErrBadEntry", asked, err)
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	replay, _ := sealer{testKey}.seal(liveReply{Room: "ccc-cccc-ccc", Nonce: "old", Live: Live{Participants: 1000}})
	sub, err = nc.Subscribe(liveSubject(c.ID()), func(m *nats.Msg) { _ = m.Respond(replay) })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	_ = nc.Flush()
	if _, _, err := b.LiveOf(ctx, "ccc-cccc-ccc", "", local); !errors.Is(err, ErrBadEntry) {
		t.Errorf("replayed answer: %v; want ErrBadEntry", err)
	}
	// A room whose node is lost has nobody in it: nothing is asked.
	c.stop()
	waitFor(t, "b to see c gone", func() bool { _, alive := b.Node("c"); return !alive })
	if got, asked, err := b.LiveOf(ctx, "ccc-cccc-ccc", "", local); err != nil || asked || got != (Live{}) {
		t.Errorf("a room on a lost node: %+v asked %v, %v", got, asked, err)
	}
}
