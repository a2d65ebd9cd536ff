package loadtest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestFront: the front sends requests to the nodes in turn, signalling connections taking turns
// of their own, keeps the Host the client used, and records which node each signalling
// connection reached.
func TestFront(t *testing.T) {
	var servers []target
	for i := range 3 {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%d %s", i, r.Host)
		}))
		defer s.Close()
		servers = append(servers, target{base: s.URL})
	}
	f, err := newFront(servers)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	get := func(path string) string {
		resp, err := http.Get(f.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	host := f.url[len("http://"):]
	for i, path := range []string{"/api/v1/rooms/abc/join", "/api/v1/rooms/abc/ws", "/api/v1/rooms/abc/join", "/api/v1/rooms/def/ws", "/x", "/api/v1/rooms/ghi/ws"} {
		want := fmt.Sprintf("%d %s", []int{0, 0, 1, 1, 2, 2}[i], host)
		if got := get(path); got != want {
			t.Errorf("request %d (%s): %q, want %q", i, path, got, want)
		}
	}
	e := f.entries()
	if len(e) != 3 || e[0] != (frontEntry{"abc", servers[0].base}) || e[1] != (frontEntry{"def", servers[1].base}) || e[2] != (frontEntry{"ghi", servers[2].base}) {
		t.Errorf("signalling entries %+v", e)
	}
	http.DefaultClient.CloseIdleConnections()
}

// TestClusterResultFill: per-node figures come from each node's samples, and a signalling
// connection counts as relayed when it entered a node other than its room's.
func TestClusterResultFill(t *testing.T) {
	servers := []target{{base: "http://n1"}, {base: "http://n2"}}
	sample := func(cpu, pkts, rss, participants float64) serverSample {
		return serverSample{cpu: cpu, fwdPackets: pkts, rss: rss, participants: participants}
	}
	s := nodeSamples{
		idle:   []serverSample{sample(0, 0, 50<<20, 0), sample(0, 0, 50<<20, 0)},
		before: []serverSample{sample(1, 1000, 0, 0), sample(2, 0, 0, 0)},
		after:  []serverSample{sample(1.25, 26000, 60<<20, 3), sample(2.1, 0, 52<<20, 0)},
		window: 10 * time.Second,
	}
	placed := map[string]placedNode{"node-a": {url: "http://n1", rooms: []string{"r1"}}, "node-b": {url: "http://n2"}}
	entered := []frontEntry{{"r1", "http://n1"}, {"r1", "http://n2"}, {"r1", "http://n2"}}
	var res ClusterResult
	res.fill(&Report{Participants: 3}, servers, s, placed, entered)
	if res.Connections != 3 || res.Relayed != 2 {
		t.Errorf("connections %d, relayed %d; want 3 and 2", res.Connections, res.Relayed)
	}
	a, b := res.PerNode[0], res.PerNode[1]
	if a.ID != "node-a" || a.Entered != 1 || a.Participants != 3 || a.ForwardedPerSec != 2500 || a.CPUPerPacket != 10*time.Microsecond || a.RSSEnd-a.RSSIdle != 10<<20 {
		t.Errorf("node a: %+v", a)
	}
	if b.ID != "node-b" || b.Entered != 2 || b.CPUPerPacket != 0 || !b.CPUWithoutPackets {
		t.Errorf("node b: %+v", b)
	}
}
