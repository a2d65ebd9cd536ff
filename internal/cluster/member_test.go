package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var testKey = []byte("0123456789abcdef0123456789abcdef")

const (
	beat = 50 * time.Millisecond
	dead = 250 * time.Millisecond
)

// startNATS runs a real NATS server with JetStream on a free loopback port, as an operator's
// cluster would be, and returns its URL.
func startNATS(t *testing.T) (*server.Server, string) {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	if !ns.ReadyForConnections(5 * time.Second) {
		t.Fatal("nats server did not start")
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns, ns.ClientURL()
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// node is a member running its heartbeat and watches until the test ends or stop is called.
type node struct {
	*Member
	bus  *Bus
	stop func()
}

func startNode(t *testing.T, url, id string, load Load, metrics *Metrics) *node {
	t.Helper()
	ctx := context.Background()
	bus, err := Connect(ctx, BusConfig{URL: url, Name: id}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	m, err := Join(ctx, bus, Config{
		Node: NodeInfo{ID: id, Version: "test", URL: "http://" + id}, Key: testKey,
		Heartbeat: beat, DeadAfter: dead, Load: func() Load { return load }, Metrics: metrics,
	}, quiet())
	if err != nil {
		bus.Close()
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = m.Run(rctx) }()
	var once sync.Once
	n := &node{Member: m, bus: bus, stop: func() { once.Do(func() { cancel(); wg.Wait(); bus.Close() }) }}
	t.Cleanup(n.stop)
	return n
}

// waitFor waits until cond holds, for at most 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func states(m *Member) map[string]string {
	out := map[string]string{}
	for _, n := range m.Status() {
		out[n.ID] = n.State
	}
	return out
}

func seesAll(m *Member, ids ...string) func() bool {
	return func() bool {
		s := states(m)
		for _, id := range ids {
			if s[id] != StateAlive {
				return false
			}
		}
		return true
	}
}

func TestPlacementSpreadsAndAgrees(t *testing.T) {
	_, url := startNATS(t)
	a := startNode(t, url, "a", Load{CPU: 0.5}, nil)
	b := startNode(t, url, "b", Load{CPU: 0.1}, nil)
	c := startNode(t, url, "c", Load{CPU: 0.1}, nil)
	waitFor(t, "a to see every node", seesAll(a.Member, "a", "b", "c"))
	waitFor(t, "c to see every node", seesAll(c.Member, "a", "b", "c"))

	ctx := context.Background()
	got := map[string]int{}
	for i := range 6 {
		n, err := a.Place(ctx, fmt.Sprintf("room-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		got[n.ID]++
	}
	// b and c are far less loaded than a: the rooms go to them, spread by the rooms they hold.
	if got["a"] != 0 || got["b"] != 3 || got["c"] != 3 {
		t.Errorf("rooms per node = %v, want 3 on b and 3 on c", got)
	}
	// Every node agrees on where a room is.
	for i := range 6 {
		code := fmt.Sprintf("room-%d", i)
		x, err1 := a.Place(ctx, code)
		y, err2 := c.Place(ctx, code)
		if err1 != nil || err2 != nil || x.ID != y.ID {
			t.Errorf("%s: a says %s (%v), c says %s (%v)", code, x.ID, err1, y.ID, err2)
		}
	}
	// An operator's tool reads the same picture without joining.
	bus, err := Connect(ctx, BusConfig{URL: url}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	st, err := ReadStatus(ctx, bus, testKey, 5*time.Second, nil) // generous: this machine may be busy
	if err != nil {
		t.Fatal(err)
	}
	rooms := 0
	for _, n := range st {
		rooms += len(n.Placed)
		if n.State != StateAlive {
			t.Errorf("ReadStatus: %s is %s", n.ID, n.State)
		}
	}
	if len(st) != 3 || rooms != 6 {
		t.Errorf("ReadStatus: %d nodes and %d rooms, want 3 and 6", len(st), rooms)
	}
	waitFor(t, "b's status to list its rooms", func() bool {
		for _, n := range b.Status() {
			if n.ID == "b" {
				return len(n.Placed) == 3
			}
		}
		return false
	})
}

func TestConcurrentPlacementPicksOneNode(t *testing.T) {
	_, url := startNATS(t)
	a := startNode(t, url, "a", Load{}, nil)
	b := startNode(t, url, "b", Load{}, nil)
	waitFor(t, "nodes to see each other", func() bool { return seesAll(a.Member, "a", "b")() && seesAll(b.Member, "a", "b")() })
	var wg sync.WaitGroup
	ids := make([]string, 20)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := a.Member
			if i%2 == 1 {
				m = b.Member
			}
			n, err := m.Place(context.Background(), "contested")
			if err != nil {
				t.Error(err)
			}
			ids[i] = n.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("one room placed on several nodes: %v", ids)
		}
	}
}

func TestLostNodeRoomsArePlacedAgain(t *testing.T) {
	_, url := startNATS(t)
	reg := prometheus.NewRegistry()
	a := startNode(t, url, "a", Load{CPU: 0.9}, NewMetrics(reg))
	b := startNode(t, url, "b", Load{CPU: 0.1}, nil)
	waitFor(t, "a to see b", seesAll(a.Member, "a", "b"))
	n, err := a.Place(context.Background(), "meeting")
	if err != nil || n.ID != "b" {
		t.Fatalf("placed on %q (%v), want b", n.ID, err)
	}
	// b stops without withdrawing, as a killed process would: stop its heartbeat only.
	b.bus.Conn.Close()
	b.stop()
	waitFor(t, "b to be lost", func() bool { return states(a.Member)["b"] == StateLost })
	n, err = a.Place(context.Background(), "meeting")
	if err != nil || n.ID != "a" {
		t.Fatalf("after b was lost, placed on %q (%v), want a", n.ID, err)
	}
	if got := testutil.ToFloat64(a.cfg.Metrics.takeovers); got != 1 {
		t.Errorf("takeovers = %v, want 1", got)
	}
}

func TestDrainingNodeTakesNoRoom(t *testing.T) {
	_, url := startNATS(t)
	a := startNode(t, url, "a", Load{CPU: 0.9}, nil)
	b := startNode(t, url, "b", Load{CPU: 0.1}, nil)
	waitFor(t, "a to see b", seesAll(a.Member, "a", "b"))
	ctx := context.Background()
	if n, err := a.Place(ctx, "before"); err != nil || n.ID != "b" {
		t.Fatalf("placed on %q (%v), want b", n.ID, err)
	}
	if err := b.SetDraining(ctx, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a to see b draining", func() bool { return states(a.Member)["b"] == StateDraining })
	for _, code := range []string{"before", "after"} {
		if n, err := a.Place(ctx, code); err != nil || n.ID != "a" {
			t.Errorf("%s: placed on %q (%v), want a", code, n.ID, err)
		}
	}
}

func TestBadRegistryEntriesAreIgnored(t *testing.T) {
	_, url := startNATS(t)
	reg := prometheus.NewRegistry()
	a := startNode(t, url, "a", Load{CPU: 0.9}, NewMetrics(reg))
	ctx := context.Background()
	now := time.Now().UTC()
	put := func(key string, s sealer, info NodeInfo) {
		t.Helper()
		b, err := s.seal(info)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.nodes.Put(ctx, key, b); err != nil {
			t.Fatal(err)
		}
	}
	idle := Load{}
	// Signed with another key, as a NATS client that is not a node would.
	put("forged", sealer{[]byte("another key of thirty-two bytes!")}, NodeInfo{ID: "forged", Protocol: ProtocolVersion, Load: idle, At: now})
	// Not even signed.
	if _, err := a.nodes.Put(ctx, "garbage", []byte(`{"id":"garbage"}`)); err != nil {
		t.Fatal(err)
	}
	// Correctly signed but filed under another node's key.
	put("a", sealer{testKey}, NodeInfo{ID: "impostor", Protocol: ProtocolVersion, Load: idle, At: now})
	// An announcement from an hour ago, replayed.
	put("stale", sealer{testKey}, NodeInfo{ID: "stale", Protocol: ProtocolVersion, Load: idle, At: now.Add(-time.Hour)})
	// A node of another protocol version: seen, never given a room.
	put("future", sealer{testKey}, NodeInfo{ID: "future", Protocol: ProtocolVersion + 1, Load: idle, At: now})

	waitFor(t, "the future node to be seen", func() bool { return states(a.Member)["future"] == StateIncompatible })
	waitFor(t, "four bad entries counted", func() bool {
		return testutil.ToFloat64(a.cfg.Metrics.badEntries.WithLabelValues("forged"))+
			testutil.ToFloat64(a.cfg.Metrics.badEntries.WithLabelValues("stale")) >= 4
	})
	s := states(a.Member)
	for _, id := range []string{"forged", "garbage", "impostor", "stale"} {
		if _, ok := s[id]; ok {
			t.Errorf("node %q listed (state %s), want it ignored", id, s[id])
		}
	}
	for i := range 3 {
		if n, err := a.Place(ctx, fmt.Sprintf("r%d", i)); err != nil || n.ID != "a" {
			t.Errorf("placed on %q (%v), want a", n.ID, err)
		}
	}
	// A forged placement is replaced, not followed.
	forged, _ := sealer{[]byte("another key of thirty-two bytes!")}.seal(placement{Node: "forged"})
	if _, err := a.rooms.Put(ctx, "hijacked", forged); err != nil {
		t.Fatal(err)
	}
	if n, err := a.Place(ctx, "hijacked"); err != nil || n.ID != "a" {
		t.Errorf("forged placement: placed on %q (%v), want a", n.ID, err)
	}
}

func TestNATSUnreachableAtStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	start := time.Now()
	_, err = Connect(context.Background(), BusConfig{URL: "nats://user:secret@" + addr, ConnectTimeout: time.Second}, quiet())
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("the error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), "cluster.nats_url") {
		t.Errorf("the error does not say what to check: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s to fail", d)
	}
}

func TestNATSLostWhileRunning(t *testing.T) {
	ns, url := startNATS(t)
	a := startNode(t, url, "a", Load{}, nil)
	ctx := context.Background()
	if _, err := a.Place(ctx, "kept"); err != nil {
		t.Fatal(err)
	}
	ns.Shutdown()
	ns.WaitForShutdown()
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := a.Place(pctx, "new")
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("placing with NATS down: err = %v, want ErrUnreachable", err)
	}
}

func TestEmbeddedBus(t *testing.T) {
	ctx := context.Background()
	bus, err := Connect(ctx, BusConfig{Name: "solo"}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	if !bus.Embedded() {
		t.Fatal("want an embedded server")
	}
	m, err := Join(ctx, bus, Config{Node: NodeInfo{ID: "solo"}, Key: testKey}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	n, err := m.Place(ctx, "room")
	if err != nil || n.ID != "solo" {
		t.Fatalf("placed on %q (%v), want solo", n.ID, err)
	}
	if err := m.Release(ctx, "room"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.rooms.Get(ctx, "room"); err == nil {
		t.Error("placement still there after release")
	}
	b, _ := json.Marshal(m.Status())
	if !strings.Contains(string(b), `"state":"alive"`) {
		t.Errorf("status %s", b)
	}
}

// TestEmbeddedBusesAreApart: two single nodes on one machine (tests, or two services) each see
// only themselves: an embedded server's state is its own.
func TestEmbeddedBusesAreApart(t *testing.T) {
	ctx := context.Background()
	var members []*Member
	for i, key := range [][]byte{testKey, []byte("another key of thirty-two bytes!")} {
		bus, err := Connect(ctx, BusConfig{}, quiet())
		if err != nil {
			t.Fatal(err)
		}
		defer bus.Close()
		reg := prometheus.NewRegistry()
		m, err := Join(ctx, bus, Config{Node: NodeInfo{ID: fmt.Sprintf("solo-%d", i)}, Key: key, Metrics: NewMetrics(reg)}, quiet())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Place(ctx, "same-room"); err != nil {
			t.Fatal(err)
		}
		members = append(members, m)
	}
	for i, m := range members {
		if st := m.Status(); len(st) != 1 || st[0].ID != fmt.Sprintf("solo-%d", i) {
			t.Errorf("node %d sees %+v", i, st)
		}
		if n, err := m.Place(ctx, "same-room"); err != nil || n.ID != m.ID() {
			t.Errorf("node %d: room on %q (%v)", i, n.ID, err)
		}
	}
}
