package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats-server/v2/server"

	"visio/internal/app"
	"visio/internal/auth"
	"visio/internal/client"
	"visio/internal/cluster"
	"visio/internal/config"
)

// ClusterResult is one cluster size's figures in a comparison (Config.Cluster): the totals over
// its nodes, and each node's share.
type ClusterResult struct {
	Nodes            int
	Participants     int
	ForwardedPerSec  float64
	ServerCPUPercent float64       // sum over the nodes, of one core
	CPUPerPacket     time.Duration // total CPU over total forwarded packets
	Ratio            float64       // CPUPerPacket over FloorPerPacket
	// FloorPerPacket is the floor's CPU per forwarded packet, measured just before this size.
	FloorPerPacket time.Duration
	// RSSPerParticipant and HeapPerParticipant: growth summed over the nodes, per participant.
	RSSPerParticipant  float64
	HeapPerParticipant float64
	// Relayed is how many signalling connections entered through a node other than their
	// room's (and were relayed by it); Connections how many the front saw.
	Relayed, Connections int
	LossPercent          float64
	// LoadAverage is the machine's one-minute load average at the end of the window.
	LoadAverage float64
	DelayAudio  percentiles
	DelayVideo  percentiles
	PerNode     []NodeResult
	Warnings    []string
}

// NodeResult is one node's share of a cluster run.
type NodeResult struct {
	ID                 string
	URL                string
	Rooms              []string // rooms placed on the node
	Participants       int      // in the node's meetings at the end of the window
	Entered            int      // signalling connections the front sent to the node
	ForwardedPerSec    float64
	CPUPercent         float64       // of one core
	CPUPerPacket       time.Duration // 0 when the node forwarded nothing
	RSSIdle, RSSEnd    float64
	HeapIdle, HeapEnd  float64
	CPUWithoutPackets  bool // the node used CPU but forwarded nothing (it only relayed signalling)
	GoroutinesAtTheEnd float64
}

// parseSizes reads a comma-separated list of cluster sizes.
func parseSizes(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 16 {
			return nil, fmt.Errorf("%w: cluster size %q: want a number of nodes from 1 to 16, e.g. 1,2,3", ErrBadConfig, f)
		}
		out = append(out, n)
	}
	return out, nil
}

// runCluster runs the SFU measurement once per cluster size, each on a cluster of its own, and
// fills rep with the first size's full report and rep.Clusters with all. With Floor, the floor
// is measured again just before each size (the first time by Run), so that each size's ratio
// is to a floor measured under the same load of the machine.
func (r *runner) runCluster(ctx context.Context, rep *Report) error {
	floor := rep.Floor
	for i, n := range r.cfg.Cluster {
		if r.cfg.Floor && i > 0 {
			r.logf("floor: bare relay for %s", r.cfg.FloorDuration)
			var err error
			if floor, err = r.runFloor(ctx); err != nil {
				return err
			}
		}
		r.reg = newRegistry()
		r.phase.Store(phaseWarmup)
		r.logf("cluster of %d node(s)", n)
		one := &Report{Config: r.cfg, Floor: floor}
		res, err := r.runClusterOnce(ctx, n, one)
		if err != nil {
			return fmt.Errorf("cluster of %d: %w", n, err)
		}
		if i == 0 {
			*rep = *one
		}
		rep.Clusters = append(rep.Clusters, res)
	}
	return nil
}

// runClusterOnce starts n nodes sharing a NATS server (run here) and a PostgreSQL schema of
// their own behind a round-robin front, measures, and stops them.
func (r *runner) runClusterOnce(ctx context.Context, n int, rep *Report) (ClusterResult, error) {
	res := ClusterResult{Nodes: n}
	dir, err := os.MkdirTemp("", "visio-loadtest-cluster-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	natsURL, stopNATS, err := startNATS(filepath.Join(dir, "nats"))
	if err != nil {
		return res, err
	}
	defer stopNATS()
	pg, dropSchema, err := postgresSchema(ctx, r.cfg.Postgres)
	if err != nil {
		return res, err
	}
	defer dropSchema()
	keyFile := filepath.Join(dir, "auth.key")
	if _, err := auth.LoadKeys(keyFile); err != nil { // made here, shared by the nodes
		return res, err
	}
	var nodes []*childServer
	defer func() {
		var wg sync.WaitGroup
		for _, s := range nodes {
			wg.Add(1)
			go func() { defer wg.Done(); s.stop() }()
		}
		wg.Wait()
	}()
	servers := make([]target, n)
	for i := range n {
		s, err := spawnServer(ctx, r.cfg.Spawn, os.Stderr,
			"VISIO_STORE_DRIVER=postgres", "VISIO_STORE_POSTGRES_URL="+pg, "VISIO_AUTH_KEY_FILE="+keyFile,
			"VISIO_CLUSTER_NATS_URL="+natsURL, fmt.Sprintf("VISIO_CLUSTER_NODE_ID=node-%d", i+1))
		if err != nil {
			return res, err
		}
		nodes = append(nodes, s)
		servers[i] = target{base: s.base, pid: s.pid()}
		r.logf("node-%d: %s (pid %d)", i+1, s.base, s.pid())
	}
	if err := waitForCluster(ctx, servers); err != nil {
		return res, err
	}
	fr, err := newFront(servers)
	if err != nil {
		return res, err
	}
	defer fr.close()
	r.logf("front: %s, round robin over %d node(s)", fr.url, n)

	r.loopback = true
	r.counters = &client.RTCPCounters{}
	r.tcpAPI = nil
	if r.api, err = client.NewAPIWith(client.APIOptions{Loopback: true, Counters: r.counters}); err != nil {
		return res, err
	}
	// Rooms are created on the first node: creating needs a sign-in, whose form is checked by
	// the node that served it. Everything a participant does goes through the front.
	r.createBase = servers[0].base
	defer func() { r.createBase = "" }()
	var samples nodeSamples
	if err := r.runSFU(ctx, fr.url, servers, rep, &samples); err != nil {
		return res, err
	}
	placed, err := placements(ctx, natsURL, keyFile)
	if err != nil {
		return res, err
	}
	res.fill(rep, servers, samples, placed, fr.entries())
	return res, nil
}

// target is a server under test: its base URL and process id.
type target struct {
	base string
	pid  int
}

// nodeSamples are each node's samples: idle (before the joins), and around the window.
type nodeSamples struct {
	idle, before, after []serverSample
	window              time.Duration
}

func (res *ClusterResult) fill(rep *Report, servers []target, s nodeSamples, placed map[string]placedNode, entered []frontEntry) {
	res.Participants = rep.Participants
	res.ForwardedPerSec, res.ServerCPUPercent, res.CPUPerPacket, res.Ratio = rep.ForwardedPerSec, rep.ServerCPUPercent, rep.CPUPerPacket, rep.Ratio
	res.RSSPerParticipant, res.HeapPerParticipant = rep.RSSPerParticipant, rep.HeapPerParticipant
	if rep.Floor != nil {
		res.FloorPerPacket = rep.Floor.CPUPerPacket()
	}
	res.LossPercent, res.DelayAudio, res.DelayVideo, res.Warnings = rep.LossPercent, rep.DelayAudio, rep.DelayVideo, rep.Warnings
	res.LoadAverage = rep.LoadAverage
	byURL := map[string]int{}
	for i, t := range servers {
		byURL[t.base] = i
		res.PerNode = append(res.PerNode, NodeResult{URL: t.base, ID: fmt.Sprintf("node-%d", i+1)})
	}
	holder := map[string]string{} // room code -> node URL
	for id, p := range placed {
		if i, ok := byURL[p.url]; ok {
			res.PerNode[i].ID = id
			res.PerNode[i].Rooms = p.rooms
			for _, code := range p.rooms {
				holder[code] = p.url
			}
		}
	}
	for _, e := range entered {
		res.Connections++
		if i, ok := byURL[e.node]; ok {
			res.PerNode[i].Entered++
		}
		if h, ok := holder[e.code]; ok && h != e.node {
			res.Relayed++
		}
	}
	secs := s.window.Seconds()
	for i := range res.PerNode {
		nd := &res.PerNode[i]
		b, a := s.before[i], s.after[i]
		pkts, cpu := a.fwdPackets-b.fwdPackets, a.cpu-b.cpu
		nd.ForwardedPerSec = pkts / secs
		nd.CPUPercent = cpu / secs * 100
		if pkts > 0 {
			nd.CPUPerPacket = time.Duration(cpu / pkts * 1e9)
		} else {
			nd.CPUWithoutPackets = cpu > 0
		}
		nd.Participants = int(a.participants)
		nd.RSSIdle, nd.RSSEnd = s.idle[i].rss, a.rss
		nd.HeapIdle, nd.HeapEnd = s.idle[i].heapInuse, a.heapInuse
		nd.GoroutinesAtTheEnd = a.goroutines
	}
}

// writeClusters prints a cluster comparison.
func (rep *Report) writeClusters(w io.Writer) {
	if len(rep.Clusters) == 0 {
		return
	}
	fmt.Fprintln(w, "cluster comparison (each size on a cluster of its own; ratio to the floor measured just before it):")
	fmt.Fprintln(w, "  nodes  forwarded pkt/s  CPU (sum, % of a core)  µs/pkt  floor  ratio  RSS/participant  heap/participant  relayed  loss    delay p50/p99 video (or audio)  load average")
	for _, c := range rep.Clusters {
		d := c.DelayVideo
		if d.N == 0 {
			d = c.DelayAudio
		}
		fmt.Fprintf(w, "  %5d  %15.0f  %22.1f  %6.2f  %5.2f  %5.2f  %11.0f KiB  %12.0f KiB  %3d/%-3d  %.3f%%  %.2f / %.2f ms  %.1f\n",
			c.Nodes, c.ForwardedPerSec, c.ServerCPUPercent, us(c.CPUPerPacket), us(c.FloorPerPacket), c.Ratio,
			c.RSSPerParticipant/1024, c.HeapPerParticipant/1024, c.Relayed, c.Connections, c.LossPercent,
			float64(d.P50)/1e6, float64(d.P99)/1e6, c.LoadAverage)
	}
	for _, c := range rep.Clusters {
		for _, nd := range c.PerNode {
			per := fmt.Sprintf("%.2f µs/pkt", us(nd.CPUPerPacket))
			if nd.CPUPerPacket == 0 {
				per = "no packets"
			}
			fmt.Fprintf(w, "  %d node(s), %s: %d rooms, %d participants, %d connections entered here, %.0f pkt/s, CPU %.1f%% of a core, %s, RSS %.0f -> %.0f MiB, heap %.0f -> %.0f MiB\n",
				c.Nodes, nd.ID, len(nd.Rooms), nd.Participants, nd.Entered, nd.ForwardedPerSec, nd.CPUPercent, per,
				nd.RSSIdle/(1<<20), nd.RSSEnd/(1<<20), nd.HeapIdle/(1<<20), nd.HeapEnd/(1<<20))
		}
		for _, wn := range c.Warnings {
			fmt.Fprintf(w, "  %d node(s): warning: %s\n", c.Nodes, wn)
		}
	}
}

// startNATS runs a NATS server with JetStream on a free loopback port, as an operator's would
// be, storing in dir.
func startNATS(dir string) (string, func(), error) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoSigs: true, NoLog: true})
	if err != nil {
		return "", nil, fmt.Errorf("start NATS: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return "", nil, fmt.Errorf("start NATS: not ready within 10s")
	}
	return ns.ClientURL(), func() { ns.Shutdown(); ns.WaitForShutdown() }, nil
}

// postgresSchema creates an empty schema on the PostgreSQL at base, for one cluster, and
// returns a URL whose connections use it and how to drop it.
func postgresSchema(ctx context.Context, base string) (string, func(), error) {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("%w: connect to PostgreSQL (--postgres): %v", ErrBadConfig, err)
	}
	defer conn.Close(context.Background())
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "visio_loadtest_" + hex.EncodeToString(b)
	if _, err := conn.Exec(cctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	}
	return u.String(), drop, nil
}

// waitForCluster waits until every node sees all of them alive.
func waitForCluster(ctx context.Context, servers []target) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ready := 0
		for _, s := range servers {
			m, err := scrape(ctx, s.base)
			if err == nil && int(m[`visio_cluster_nodes{state="alive"}`]) == len(servers) {
				ready++
			}
		}
		if ready == len(servers) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the %d nodes did not all see each other within 30s", len(servers))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// placedNode is a node and the rooms placed on it, as the cluster's registry says.
type placedNode struct {
	url   string
	rooms []string
}

// placements reads the cluster's registry (as `visio cluster status` does) by node id.
func placements(ctx context.Context, natsURL, keyFile string) (map[string]placedNode, error) {
	c := config.Default()
	c.Cluster.NATSURL, c.Auth.KeyFile = natsURL, keyFile
	var buf bytes.Buffer
	if err := app.ClusterStatus(ctx, c, &buf, true, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return nil, err
	}
	var st struct{ Nodes []cluster.NodeStatus }
	if err := json.Unmarshal(buf.Bytes(), &st); err != nil {
		return nil, fmt.Errorf("cluster status: %w", err)
	}
	out := map[string]placedNode{}
	for _, n := range st.Nodes {
		out[n.ID] = placedNode{url: n.URL, rooms: n.Placed}
	}
	return out, nil
}

// front is a round-robin HTTP load balancer on loopback, as an administration puts in front of
// its nodes: each request (a WebSocket upgrade included) goes to the next node, with the Host
// the client used. It has no stickiness by room: with n nodes, about (n-1)/n of the signalling
// connections reach a node that relays them to their room's.
type front struct {
	url     string
	srv     *http.Server
	next    atomic.Uint64 // requests other than signalling
	nextWS  atomic.Uint64
	proxies []*httputil.ReverseProxy
	bases   []string

	mu sync.Mutex // guards ws
	ws []frontEntry
	wg sync.WaitGroup
}

// frontEntry is a signalling connection: its room and the node the front sent it to.
type frontEntry struct{ code, node string }

func newFront(servers []target) (*front, error) {
	f := &front{}
	for _, s := range servers {
		u, err := url.Parse(s.base)
		if err != nil {
			return nil, err
		}
		f.bases = append(f.bases, s.base)
		f.proxies = append(f.proxies, &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(u)
				pr.Out.Host = pr.In.Host
			},
		})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// Signalling connections take turns apart from other requests, so that they spread
		// evenly whatever else a participant asks for first (its join token).
		parts := strings.Split(r.URL.Path, "/")
		ws := len(parts) == 6 && parts[5] == "ws" // /api/v1/rooms/{code}/ws
		next := &f.next
		if ws {
			next = &f.nextWS
		}
		i := int((next.Add(1) - 1) % uint64(len(f.proxies)))
		if ws {
			f.mu.Lock()
			f.ws = append(f.ws, frontEntry{code: parts[4], node: f.bases[i]})
			f.mu.Unlock()
		}
		f.proxies[i].ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f.url = "http://" + ln.Addr().String()
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		_ = f.srv.Serve(ln)
	}()
	return f, nil
}

func (f *front) entries() []frontEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]frontEntry(nil), f.ws...)
}

// close stops the front and its relayed connections.
func (f *front) close() {
	_ = f.srv.Close()
	f.wg.Wait()
}
