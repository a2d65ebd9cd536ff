package app

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"visio/internal/client"
	"visio/internal/cluster"
	"visio/internal/config"
	"visio/internal/store/storetest"
)

// startNATS runs a NATS server with JetStream on a free loopback port, as an operator's would
// be, and returns its URL.
func startNATS(t testing.TB) string {
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
	return ns.ClientURL()
}

// clusterNode is one node of a test cluster.
type clusterNode struct {
	app  *App
	stop func()
}

// startCluster runs n nodes sharing a NATS server, a PostgreSQL schema and the server key;
// mutate changes every node's configuration further.
func startCluster(t *testing.T, n int, mutate ...func(*config.Config)) []clusterNode {
	t.Helper()
	natsURL, pg := startNATS(t), storetest.PostgresSchema(t)
	key := filepath.Join(t.TempDir(), "auth.key")
	nodes := make([]clusterNode, n)
	for i := range nodes {
		nodes[i].app, nodes[i].stop = startApp(t, func(c *config.Config) {
			c.Store.Driver, c.Store.PostgresURL, c.Auth.KeyFile = "postgres", pg, key
			c.Cluster.NATSURL, c.Cluster.NodeID = natsURL, fmt.Sprintf("node-%d", i)
			c.Cluster.Heartbeat, c.Cluster.DeadAfter = config.Duration(200*time.Millisecond), config.Duration(time.Second)
			for _, m := range mutate {
				m(c)
			}
		})
	}
	for _, nd := range nodes {
		eventually(t, 5*time.Second, "every node to see the others", func() bool {
			alive := 0
			for _, s := range nd.app.node.member.Status() {
				if s.State == cluster.StateAlive {
					alive++
				}
			}
			return alive == n
		})
	}
	return nodes
}

// holder returns the index of the node where room code's meeting runs, or -1.
func holder(nodes []clusterNode, code string) int {
	for i, nd := range nodes {
		if nd.app.hub.Participants(code) > 0 {
			return i
		}
	}
	return -1
}

// TestClusterRelaysToTheRoomsNode: three nodes; a participant whose connection reaches one node
// and participants whose connections reach the others all meet on the room's node, and exchange
// media with the exact payloads.
func TestClusterRelaysToTheRoomsNode(t *testing.T) {
	nodes := startCluster(t, 3)
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, err := client.CreateRoom(ctx, nodes[0].app.URL())
	if err != nil {
		t.Fatal(err)
	}
	ps := make([]*participant, 3)
	ps[0] = join(t, api, nodes[0].app.URL(), code, "P0")
	h := holder(nodes, code)
	if h < 0 {
		t.Fatal("the meeting runs on no node")
	}
	// The others come in through every node, the room's node included.
	for i := 1; i < 3; i++ {
		via := (h + i) % 3
		ps[i] = join(t, api, nodes[via].app.URL(), code, fmt.Sprintf("P%d", i))
	}
	for i, p := range ps {
		p.publish(byte(i))
	}
	eventually(t, 30*time.Second, "everyone receiving everyone", func() bool {
		for j, pj := range ps {
			for i, pi := range ps {
				if i == j {
					continue
				}
				for _, src := range []string{"microphone", "camera"} {
					pkts, _ := pj.packets(pj.trackOf(pi.c.ID(), src))
					if len(pkts) < 30 {
						return false
					}
				}
			}
		}
		return true
	})
	for j, pj := range ps {
		for i, pi := range ps {
			if i != j {
				pkts, _ := pj.packets(pj.trackOf(pi.c.ID(), "microphone"))
				checkStream(t, fmt.Sprintf("P%d <- P%d audio", j, i), pkts, byte(i), 'a', 160)
			}
		}
	}
	for i, nd := range nodes {
		want := 0
		if i == h {
			want = 3
		}
		if got := nd.app.hub.Participants(code); got != want {
			t.Errorf("node-%d holds %d participants, want %d (the room is on node-%d)", i, got, want, h)
		}
	}
	t.Logf("room on node-%d; participants came through nodes 0, %d, %d", h, (h+1)%3, (h+2)%3)

	// Once everyone has left, the room's placement is released: its next meeting goes to the
	// least-loaded node.
	rn := nodes[h].app.node
	later := time.Now().Add(2 * idleAfter)
	rn.releaseIdle(context.Background(), later)
	if _, held := rn.member.Held()[code]; !held {
		t.Error("the placement was released while the meeting runs")
	}
	for _, p := range ps {
		p.close()
	}
	eventually(t, 10*time.Second, "everyone gone", func() bool { return nodes[h].app.hub.Participants(code) == 0 })
	rn.releaseIdle(context.Background(), later)
	eventually(t, 5*time.Second, "the placement released", func() bool {
		_, held := rn.member.Held()[code]
		return !held
	})

	// A draining node tells load balancers to send nobody new.
	health := func() int {
		resp, err := http.Get(nodes[h].app.URL() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := health(); got != http.StatusOK {
		t.Errorf("healthz = %d before the drain", got)
	}
	rn.drain(context.Background())
	if got := health(); got != http.StatusServiceUnavailable {
		t.Errorf("healthz = %d while draining, want 503", got)
	}
}
