package app

import (
	"context"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"visio/internal/client"
	"visio/internal/config"
	"visio/internal/signal"
)

// startServer runs a whole visio service on loopback with random ports.
func startServer(t testing.TB, mutate ...func(*config.Config)) (base string) {
	base, _ = startServerStop(t, mutate...)
	return base
}

// startServerStop is startServer that also returns a function stopping the server as SIGTERM
// would (it may be called more than once).
func startServerStop(t testing.TB, mutate ...func(*config.Config)) (base string, stop func()) {
	t.Helper()
	a, stop := startApp(t, mutate...)
	return a.URL(), stop
}

// startApp is startServerStop returning the service itself.
func startApp(t testing.TB, mutate ...func(*config.Config)) (a *App, stop func()) {
	t.Helper()
	cfg := config.Default()
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.Media.UDPPort = 0
	cfg.Media.TCPPort = 0
	cfg.TURN.Port = 0
	cfg.Media.LoopbackOnly = true
	cfg.Signal.ReconnectGrace = config.Duration(5 * time.Second)
	cfg.Store.DataDir = t.TempDir()
	for _, m := range mutate {
		m(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var logOut io.Writer = io.Discard
	if os.Getenv("VISIO_TEST_LOG") != "" {
		logOut = os.Stderr
	}
	a, err := New(cfg, NewLogger(config.Log{Level: "debug", Format: "text"}, logOut))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, nil) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("server run: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Error("server did not stop within 15s")
			}
		})
	}
	t.Cleanup(stop)
	return a, stop
}

// metric returns the value of an unlabelled metric from /metrics.
func metric(t testing.TB, base, name string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}

// received is what a participant got on one remote track.
type received struct {
	mu      sync.Mutex
	trackID string
	packets []rtp.Packet // copies, in arrival order
	first   time.Time
	ended   bool
	endedAt time.Time
}

// participant is a headless participant with a record of everything it received.
type participant struct {
	t      testing.TB
	c      *client.Client
	src    *client.SyntheticSource
	cancel context.CancelFunc

	mu     sync.Mutex
	tracks map[string]*received
	events []any
	joined time.Time
}

func join(t testing.TB, api *webrtc.API, base, code, name string) *participant {
	t.Helper()
	return joinAs(t, api, base, code, name, nil)
}

// joinAs joins as the user signed in on hc, or as a guest if hc is nil.
func joinAs(t testing.TB, api *webrtc.API, base, code, name string, hc *http.Client) *participant {
	t.Helper()
	p := &participant{t: t, tracks: map[string]*received{}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p.joined = time.Now()
	c, err := client.Join(ctx, api, base, code, name, client.Options{
		HTTP:     hc,
		Loopback: true,
		OnTrack:  p.onTrack,
		OnEvent: func(m any) {
			p.mu.Lock()
			p.events = append(p.events, m)
			p.mu.Unlock()
		},
	})
	if err != nil {
		t.Fatalf("%s join: %v", name, err)
	}
	p.c = c
	t.Cleanup(p.close)
	return p
}

// publish sends synthetic audio and video as publisher number n.
func (p *participant) publish(n byte) {
	p.t.Helper()
	src, err := client.NewSyntheticSource(n)
	if err != nil {
		p.t.Fatal(err)
	}
	if _, err := p.c.AddTrack(src.Audio, "microphone"); err != nil {
		p.t.Fatal(err)
	}
	if _, err := p.c.AddTrack(src.Video, "camera"); err != nil {
		p.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.c.Negotiate(ctx, false); err != nil {
		p.t.Fatalf("negotiate: %v", err)
	}
	sctx, scancel := context.WithCancel(context.Background())
	p.src, p.cancel = src, scancel
	src.Start(sctx)
}

func (p *participant) onTrack(id string, remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	r := &received{trackID: id}
	p.mu.Lock()
	p.tracks[id] = r
	p.mu.Unlock()
	buf := make([]byte, 1500)
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			r.mu.Lock()
			r.ended, r.endedAt = true, time.Now()
			r.mu.Unlock()
			return
		}
		var pkt rtp.Packet
		if err := pkt.Unmarshal(append([]byte(nil), buf[:n]...)); err != nil {
			continue
		}
		r.mu.Lock()
		if len(r.packets) == 0 {
			r.first = time.Now()
		}
		r.packets = append(r.packets, pkt)
		r.mu.Unlock()
	}
}

func (p *participant) close() {
	if p.cancel != nil {
		p.cancel()
		p.src.Wait()
	}
	p.c.Close()
}

// trackOf returns the server track id of participant id's source, from the events seen.
func (p *participant) trackOf(pid, source string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(p.events) - 1; i >= 0; i-- {
		switch m := p.events[i].(type) {
		case *signal.ParticipantEvent:
			if m.Participant.ID == pid {
				for _, tr := range m.Participant.Tracks {
					if tr.Source == source {
						return tr.ID
					}
				}
			}
		case *signal.Welcome:
			for _, o := range m.Participants {
				if o.ID == pid {
					for _, tr := range o.Tracks {
						if tr.Source == source {
							return tr.ID
						}
					}
				}
			}
		}
	}
	return ""
}

// packets returns a copy of what was received on track id.
func (p *participant) packets(id string) (pkts []rtp.Packet, ended bool) {
	p.mu.Lock()
	r := p.tracks[id]
	p.mu.Unlock()
	if r == nil {
		return nil, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]rtp.Packet(nil), r.packets...), r.ended
}

// sawEvent reports whether an event matching f was received.
func (p *participant) sawEvent(f func(any) bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.events {
		if f(e) {
			return true
		}
	}
	return false
}

// within polls cond until it holds (true) or the timeout passes (false).
func within(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkStream verifies that pkts carry publisher pub's synthetic kind stream exactly, with
// consecutive sequence numbers and counters, and returns how many arrived out of order.
func checkStream(t testing.TB, label string, pkts []rtp.Packet, pub, kind byte, size int) (reordered int) {
	t.Helper()
	if len(pkts) == 0 {
		t.Errorf("%s: no packets", label)
		return 0
	}
	for i := 1; i < len(pkts); i++ {
		if int16(pkts[i].SequenceNumber-pkts[i-1].SequenceNumber) < 0 {
			reordered++
		}
	}
	sorted := append([]rtp.Packet(nil), pkts...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return int16(sorted[i].SequenceNumber-sorted[j].SequenceNumber) < 0
	})
	// Retransmissions may deliver a packet twice: keep one.
	uniq := sorted[:1]
	for _, p := range sorted[1:] {
		if p.SequenceNumber != uniq[len(uniq)-1].SequenceNumber {
			uniq = append(uniq, p)
		}
	}
	buf := make([]byte, 0, size)
	_, _, first, _ := client.ParsePayload(uniq[0].Payload)
	for i, p := range uniq {
		gotPub, gotKind, n, ok := client.ParsePayload(p.Payload)
		if !ok || gotPub != pub || gotKind != kind {
			t.Errorf("%s: packet %d is not from publisher %d/%c", label, i, pub, kind)
			return reordered
		}
		if want := first + uint32(i); n != want {
			t.Errorf("%s: gap: packet %d has counter %d, want %d", label, i, n, want)
			return reordered
		}
		if i > 0 && p.SequenceNumber != uniq[i-1].SequenceNumber+1 {
			t.Errorf("%s: sequence number gap %d -> %d", label, uniq[i-1].SequenceNumber, p.SequenceNumber)
			return reordered
		}
		if want := client.SyntheticPayload(buf, pub, kind, n, size); string(want) != string(p.Payload) {
			t.Errorf("%s: payload of packet %d differs from what was published", label, n)
			return reordered
		}
	}
	return reordered
}
