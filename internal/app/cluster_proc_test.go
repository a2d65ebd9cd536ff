package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"visio/internal/client"
	"visio/internal/store/storetest"
	"visio/internal/testenv"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// visioBinary returns the visio binary: $VISIO_BIN, or one built once for the test run (in a
// temporary directory removed by TestMain).
func visioBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("VISIO_BIN"); p != "" {
		return p
	}
	gobin := testenv.Program(t, "go", "golang")
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "visio-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "visio")
		out, err := exec.Command(gobin, "build", "-o", binPath, "visio/cmd/visio").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// procNode is a visio process of a test cluster.
type procNode struct {
	id  string
	url string
	cmd *exec.Cmd
	log *os.File
}

// startProcCluster starts n visio processes sharing a NATS server, a PostgreSQL schema and the
// server key, each on its own random ports; extra is appended to each one's configuration.
func startProcCluster(t *testing.T, n int, extra string) []*procNode {
	t.Helper()
	bin := visioBinary(t)
	natsURL, pg := startNATS(t), storetest.PostgresSchema(t)
	dir := t.TempDir()
	nodes := make([]*procNode, n)
	for i := range nodes {
		id := fmt.Sprintf("node-%d", i)
		conf := filepath.Join(dir, id+".toml")
		err := os.WriteFile(conf, []byte(fmt.Sprintf(`
[http]
addr = "127.0.0.1:0"
shutdown_timeout = "5s"
[media]
udp_port = 0
tcp_port = 0
loopback_only = true
[turn]
port = 0
[signal]
reconnect_grace = "5s"
[store]
driver = "postgres"
postgres_url = %q
data_dir = %q
[auth]
key_file = %q
join_token_lifetime = "10m"
[cluster]
nats_url = %q
node_id = %q
heartbeat = "200ms"
dead_after = "2s"
%s`, pg, filepath.Join(dir, id), filepath.Join(dir, "auth.key"), natsURL, id, extra)), 0o600)
		if err != nil {
			t.Fatal(err)
		}
		logf, err := os.Create(filepath.Join(dir, id+".log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "serve", "--config", conf)
		cmd.Stderr = logf
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		nd := &procNode{id: id, cmd: cmd, log: logf}
		nodes[i] = nd
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			_ = logf.Close()
			if t.Failed() {
				b, _ := os.ReadFile(logf.Name())
				t.Logf("%s log:\n%s", id, tail(string(b), 40))
			}
		})
		urlc := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if u, ok := strings.CutPrefix(sc.Text(), "visio: listening on "); ok {
					urlc <- u
				}
			}
			_, _ = io.Copy(io.Discard, stdout)
		}()
		select {
		case nd.url = <-urlc:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s did not start", id)
		}
	}
	return nodes
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	return strings.Join(l[max(0, len(l)-lines):], "\n")
}

// balancer is a load balancer in front of the nodes, as operators run one: each connection goes
// to the next node that accepts it.
func balancer(t *testing.T, nodes []*procNode) string {
	t.Helper()
	var next atomic.Uint32
	dialer := &net.Dialer{Timeout: time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			start := int(next.Add(1))
			var err error
			for i := range nodes {
				u, _ := url.Parse(nodes[(start+i)%len(nodes)].url)
				var c net.Conn
				if c, err = dialer.DialContext(ctx, network, u.Host); err == nil {
					return c, nil
				}
			}
			return nil, err
		},
		DisableKeepAlives: true,
	}
	lb := httptest.NewUnstartedServer(&httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(&url.URL{Scheme: "http", Host: "visio-nodes"})
			pr.Out.Host = pr.In.Host
		},
		Transport: tr,
	})
	// Upgraded (WebSocket) connections leave the server's books: keep them to close at the end,
	// which ends the proxy's copying goroutines.
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	lb.Config.ConnState = func(c net.Conn, s http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch s {
		case http.StateNew:
			conns[c] = true
		case http.StateClosed:
			delete(conns, c)
		}
	}
	lb.Start()
	t.Cleanup(func() {
		mu.Lock()
		for c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		lb.Close()
	})
	return lb.URL
}

// nodeParticipants returns visio_participants on a node, or -1 if it does not answer.
func nodeParticipants(nd *procNode) float64 {
	resp, err := http.Get(nd.url + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "visio_participants "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	return -1
}

// recovered returns when p received its n-th audio track whose first packet came after since,
// each with at least 10 packets: hearing n others again. Zero if not yet.
func (p *participant) recovered(since time.Time, n int) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	var firsts []time.Time
	for _, r := range p.tracks {
		r.mu.Lock()
		if r.first.After(since) && len(r.packets) >= 10 {
			firsts = append(firsts, r.first)
		}
		r.mu.Unlock()
	}
	if len(firsts) < n {
		return time.Time{}
	}
	slices.SortFunc(firsts, func(a, b time.Time) int { return a.Compare(b) })
	return firsts[n-1]
}

// failover runs a meeting of n audio participants through a balancer in front of three nodes,
// ends the room's node with sig, and reports how long each participant took to hear all the
// others again. P0 owns the room, speaks and has the meeting transcribed; the others are
// signed in. Before the signal a moderator removes someone, someone waits in the lobby and the
// meeting is locked: after it, the meeting is the same (failover_state_test.go). With
// transcript, the transcript is checked too: nothing recognized before the signal is lost.
func failover(t *testing.T, n int, sig syscall.Signal, transcript bool) {
	whisper := httptest.NewServer(&countingWhisper{})
	t.Cleanup(whisper.Close)
	nodes := startProcCluster(t, 3, fmt.Sprintf("[transcription]\nrecognizer = \"openai\"\nlanguage = \"fr\"\nopenai.base_url = %q\n", whisper.URL))
	lb := balancer(t, nodes)
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	owner, err := client.SignIn(ctx, lb, "Ada", "ada@example.gouv.fr")
	if err != nil {
		t.Fatal(err)
	}
	code, err := client.CreateRoomWith(ctx, owner, lb, "Failover", "trusted")
	if err != nil {
		t.Fatal(err)
	}
	ps := make([]*participant, n)
	rejoined := make([]atomic.Int64, n) // unix nanoseconds of the last reconnection
	for i := range ps {
		p := &participant{t: t, tracks: map[string]*received{}}
		hc := owner
		if i > 0 {
			if hc, err = client.SignIn(ctx, lb, fmt.Sprintf("P%d", i), fmt.Sprintf("p%d@example.gouv.fr", i)); err != nil {
				t.Fatal(err)
			}
		}
		jctx, jcancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := client.Join(jctx, api, lb, code, fmt.Sprintf("P%d", i), client.Options{
			HTTP: hc, Loopback: true, OnTrack: p.onTrack, Reconnect: true,
			OnReconnect: func(bool) { rejoined[i].Store(time.Now().UnixNano()) },
			OnEvent:     func(m any) { p.mu.Lock(); p.events = append(p.events, m); p.mu.Unlock() },
		})
		jcancel()
		if err != nil {
			t.Fatalf("P%d join: %v", i, err)
		}
		p.c = c
		t.Cleanup(p.close)
		if i == 0 {
			speakInLoop(t, p, speechFiles(t))
		} else {
			// Silence, as muted microphones send it: heard by everyone, and nothing for the
			// transcription to recognize (synthetic payloads decode to noise it would take for
			// speech, 19 streams of it).
			speakInLoop(t, p, []opusPacket{{data: opusSilence, dur: 20 * time.Millisecond}})
		}
		nctx, ncancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := c.Negotiate(nctx, false); err != nil {
			t.Fatalf("P%d negotiate: %v", i, err)
		}
		ncancel()
		ps[i] = p
	}
	var zero time.Time
	eventually(t, 60*time.Second, "everyone hearing everyone", func() bool {
		for _, p := range ps {
			if p.recovered(zero, n-1).IsZero() {
				return false
			}
		}
		return true
	})
	h := -1
	for i, nd := range nodes {
		if nodeParticipants(nd) == float64(n) {
			h = i
		}
	}
	if h < 0 {
		t.Fatal("no node holds the whole meeting")
	}
	st := prepareMeetingState(t, api, lb, code, ps, owner, transcript)

	killed := time.Now()
	if err := nodes[h].cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "everyone hearing everyone again", func() bool {
		for _, p := range ps {
			if p.recovered(killed, n-1).IsZero() {
				return false
			}
		}
		return true
	})
	times, signalling := make([]time.Duration, n), make([]time.Duration, n)
	for i, p := range ps {
		times[i] = p.recovered(killed, n-1).Sub(killed)
		signalling[i] = time.Unix(0, rejoined[i].Load()).Sub(killed)
	}
	slices.Sort(times)
	slices.Sort(signalling)
	t.Logf("back in the meeting (welcome and offer answered) after median %v, worst %v",
		signalling[n/2].Round(time.Millisecond), signalling[n-1].Round(time.Millisecond))
	now := -1
	for i, nd := range nodes {
		if i != h && nodeParticipants(nd) == float64(n) {
			now = i
		}
	}
	if now < 0 {
		t.Error("after the failover no single node holds the whole meeting")
	}
	t.Logf("metric: %s of node-%d with %d participants: every participant hears the %d others again after median %v, worst %v (meeting now on node-%d)",
		sig, h, n, n-1, times[n/2].Round(time.Millisecond), times[n-1].Round(time.Millisecond), now)
	if times[n-1] > 5*time.Second {
		t.Logf("the worst recovery (%v) is over the 5 s goal", times[n-1])
	}
	if now >= 0 {
		st.check(t, api, lb, ps, killed, nodes[now].url)
	}
}

// TestClusterNodeKilled: the node holding a meeting of 20 is killed (SIGKILL); every participant
// comes back by itself on another node and hears the 19 others again, as the same participant
// with the same role; the lobby, the lock, the removal and the transcription are as they were,
// and the transcript has every segment recognized before the kill.
func TestClusterNodeKilled(t *testing.T) { failover(t, 20, syscall.SIGKILL, true) }

// TestClusterNodeDrained: the node holding a meeting of 20 is stopped with SIGTERM: it takes no
// new room, tells its participants, and they continue the meeting on another node, with the
// same identities, roles, lobby, lock and removal (the transcript is checked by the kill test).
func TestClusterNodeDrained(t *testing.T) { failover(t, 20, syscall.SIGTERM, false) }
