package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"visio/internal/auth"
	"visio/internal/cluster"
	"visio/internal/config"
	"visio/internal/routine"
	"visio/internal/store"
)

// clusterKeyPurpose derives the key that signs cluster entries from the server key.
const clusterKeyPurpose = "cluster entries v1"

// node is this process's membership of the cluster (docs/SCALING.md): a NATS connection (to the
// embedded server when no cluster is configured), the node registry and room placements.
type node struct {
	bus    *cluster.Bus
	member *cluster.Member
	log    *slog.Logger
	// participants counts a room's participants on this node, reconnecting ones included.
	participants func(code string) int
	g            *routine.Group // set by start
}

// Placements of rooms with nobody in them are released after idleAfter, checked every
// idleEvery: the room goes to the least-loaded node when it is next used.
const (
	idleEvery = 30 * time.Second
	idleAfter = time.Minute
)

// newNode connects to NATS and announces the node. httpAddr is where this node's web server
// listens; media its media addresses.
func newNode(ctx context.Context, cfg config.Config, keys *auth.Keys, httpAddr net.Addr, media []net.Addr, gather prometheus.Gatherer, reg prometheus.Registerer, log *slog.Logger) (*node, error) {
	c := cfg.Cluster
	id := c.NodeID
	if id == "" {
		host, _ := os.Hostname()
		_, port, _ := net.SplitHostPort(httpAddr.String())
		id = host + "-" + port
	}
	internal := c.InternalURL
	if internal == "" {
		internal = defaultInternalURL(cfg.HTTP, httpAddr)
	}
	bus, err := cluster.Connect(ctx, cluster.BusConfig{
		URL: c.NATSURL, Credentials: c.NATSCredentials, User: c.NATSUser, Password: c.NATSPassword, Token: c.NATSToken,
		CAFile: c.NATSCA, CertFile: c.NATSCert, KeyFile: c.NATSKey, Name: "visio " + id,
	}, log)
	if err != nil {
		return nil, err
	}
	addrs := make([]string, len(media))
	for i, a := range media {
		addrs[i] = a.String()
	}
	lm := &loadMeter{gather: gather, last: time.Now(), lastCPU: cpuTime()}
	m, err := cluster.Join(ctx, bus, cluster.Config{
		Node:      cluster.NodeInfo{ID: id, Version: buildVersion(), URL: internal, Media: addrs},
		Key:       keys.Derive(clusterKeyPurpose),
		Heartbeat: c.Heartbeat.D(), DeadAfter: c.DeadAfter.D(),
		Load: lm.measure, Metrics: cluster.NewMetrics(reg), Replicas: c.NATSReplicas,
	}, log)
	if err != nil {
		bus.Close()
		return nil, err
	}
	if bus.Embedded() {
		log.Debug("cluster: one node, embedded NATS", "node", id)
	} else {
		log.Info("cluster: joined", "node", id, "nats", c.NATSURL, "internal_url", internal)
	}
	return &node{bus: bus, member: m, log: log, participants: func(string) int { return 0 }}, nil
}

// start runs the heartbeat, the registry watches and the release of idle rooms until stop.
func (n *node) start() {
	n.g = routine.NewGroup(context.Background())
	n.g.Go(func(ctx context.Context) { _ = n.member.Run(ctx) })
	n.g.Go(func(ctx context.Context) {
		t := time.NewTicker(idleEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				n.releaseIdle(ctx, now)
			}
		}
	})
}

// releaseIdle releases the placements on this node of rooms placed before now-idleAfter that
// nobody is in.
func (n *node) releaseIdle(ctx context.Context, now time.Time) {
	for code, at := range n.member.Held() {
		if now.Sub(at) < idleAfter || n.participants(code) > 0 {
			continue
		}
		if err := n.member.Release(ctx, code); err != nil {
			n.log.Debug("cluster: release an idle room", "room", code, "err", err)
		}
	}
}

// drain stops new rooms coming here and makes this node's rooms move at their participants'
// next connection.
func (n *node) drain(ctx context.Context) {
	if err := n.member.SetDraining(ctx, true); err != nil {
		n.log.Warn("cluster: could not announce the drain", "err", err)
	}
}

// stop withdraws the node and closes the NATS connection.
func (n *node) stop() {
	if n.g != nil {
		n.g.Close()
	}
	n.bus.Close()
}

// router routes signalling connections to the room's node.
func (n *node) router(local http.Handler, rooms store.Rooms, log *slog.Logger) http.Handler {
	return &cluster.Router{
		Member: n.member, Local: local, Log: log,
		Exists: func(r *http.Request, code string) (bool, error) {
			_, err := rooms.Room(r.Context(), code)
			if errors.Is(err, store.ErrNotFound) {
				return false, nil
			}
			return err == nil, err
		},
	}
}

// loadMeter measures the node's load from its own metrics and CPU time.
type loadMeter struct {
	gather prometheus.Gatherer

	mu       sync.Mutex // guards the following fields
	last     time.Time
	lastCPU  time.Duration
	lastPkts float64
}

func (l *loadMeter) measure() cluster.Load {
	var out cluster.Load
	var pkts float64
	if mfs, err := l.gather.Gather(); err == nil {
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				switch mf.GetName() {
				case "visio_sfu_forwarded_packets_total":
					pkts += m.GetCounter().GetValue()
				case "visio_participants":
					out.Participants += int(m.GetGauge().GetValue())
				case "visio_rooms":
					out.Rooms += int(m.GetGauge().GetValue())
				}
			}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now, cpu := time.Now(), cpuTime()
	if dt := now.Sub(l.last); dt > 0 {
		out.CPU = float64(cpu-l.lastCPU) / float64(dt) / float64(runtime.NumCPU())
		out.PacketsPerSecond = (pkts - l.lastPkts) / dt.Seconds()
	}
	l.last, l.lastCPU, l.lastPkts = now, cpu, pkts
	return out
}

// cpuTime is the process's CPU time, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// defaultInternalURL is this node's web server as other machines reach it: its listening
// address, or the host name when it listens on every interface.
func defaultInternalURL(c config.HTTP, addr net.Addr) string {
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return scheme + "://" + addr.String()
	}
	host := ta.IP.String()
	if ta.IP.IsUnspecified() {
		host, _ = os.Hostname()
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(ta.Port))
}

// buildVersion is the binary's module version, as the registry shows it to operators.
func buildVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
