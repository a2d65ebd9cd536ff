package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"visio/internal/routine"
)

// Bucket names.
const (
	nodesBucket = "visio-nodes"
	roomsBucket = "visio-rooms"
)

// MaxClockSkew is how far apart node clocks may be: an announcement older than DeadAfter plus
// this is stale (a replay, or a node whose clock is wrong) and ignored.
const MaxClockSkew = 10 * time.Second

// Config configures a node's membership.
type Config struct {
	// Node is what this node announces; At, Protocol and Load are filled in at each heartbeat.
	Node NodeInfo
	// Key signs and checks registry entries: the same on every node.
	Key []byte
	// Heartbeat is how often the node announces itself. Default 1s.
	Heartbeat time.Duration
	// DeadAfter is how long a node may stay silent before it is lost. Default 3s.
	DeadAfter time.Duration
	// Load measures this node's load at each heartbeat. Default: zero load.
	Load func() Load
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Metrics, if set, count what the member sees.
	Metrics *Metrics
	// Replicas is how many NATS servers keep each bucket (JetStream replication): 3 on a
	// cluster of three NATS servers, so that losing one loses nothing. Default 1.
	Replicas int
}

// Member is this node's membership of the cluster: it announces the node, watches the others,
// and places rooms.
type Member struct {
	bus   *Bus
	cfg   Config
	seal  sealer
	log   *slog.Logger
	nodes jetstream.KeyValue
	rooms jetstream.KeyValue

	// snapshot: the member only reads the buckets once (ReadStatus); a node was last heard
	// from when it says it announced itself, not when this process read it.
	snapshot bool

	mu       sync.Mutex // guards the following fields
	view     map[string]*peer
	placed   map[string]placement // by room code
	draining bool
}

// peer is another node (or this one) as this node sees it.
type peer struct {
	info NodeInfo
	seen time.Time // by this node's clock
}

// Join creates the buckets if needed, announces this node once, and returns the member. Call
// Run to keep announcing and watching.
func Join(ctx context.Context, bus *Bus, cfg Config, log *slog.Logger) (*Member, error) {
	if cfg.Node.ID == "" {
		return nil, errors.New("cluster: the node needs an id")
	}
	if len(cfg.Key) < 16 {
		return nil, errors.New("cluster: the shared key is too short")
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = time.Second
	}
	if cfg.DeadAfter <= 0 {
		cfg.DeadAfter = 3 * cfg.Heartbeat
	}
	if cfg.Load == nil {
		cfg.Load = func() Load { return Load{} }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Node.Protocol = ProtocolVersion
	if cfg.Node.Started.IsZero() {
		cfg.Node.Started = cfg.Now().UTC()
	}
	m := &Member{bus: bus, cfg: cfg, seal: sealer{cfg.Key}, log: log, view: map[string]*peer{}, placed: map[string]placement{}}
	// The embedded server's state lives and dies with the process: keep it in memory.
	storage := jetstream.FileStorage
	if bus.Embedded() {
		storage = jetstream.MemoryStorage
	}
	var err error
	// Entries of nodes gone for good are forgotten after a while; a live node refreshes its own.
	m.nodes, err = bus.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: nodesBucket, Description: "visio nodes", History: 1, TTL: max(time.Minute, 20*cfg.DeadAfter), Replicas: max(1, cfg.Replicas), Storage: storage,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: node registry: %v", ErrUnreachable, err)
	}
	m.rooms, err = bus.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: roomsBucket, Description: "visio room placements", History: 1, Replicas: max(1, cfg.Replicas), Storage: storage,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: room placements: %v", ErrUnreachable, err)
	}
	if err := m.announce(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// ID returns this node's id.
func (m *Member) ID() string { return m.cfg.Node.ID }

// Run announces the node every heartbeat and follows the registry until ctx ends; then it
// withdraws the node's announcement (best effort) and returns.
func (m *Member) Run(ctx context.Context) error {
	g := routine.NewGroup(ctx)
	g.Go(func(ctx context.Context) { m.follow(ctx, m.nodes, m.onNode) })
	g.Go(func(ctx context.Context) { m.follow(ctx, m.rooms, m.onRoom) })
	t := time.NewTicker(m.cfg.Heartbeat)
	defer t.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-t.C:
			actx, cancel := context.WithTimeout(ctx, m.cfg.DeadAfter)
			if err := m.announce(actx); err != nil && ctx.Err() == nil {
				m.log.Warn("cluster heartbeat failed", "err", err)
			}
			cancel()
			m.cfg.Metrics.observe(m.Status())
		}
	}
	g.Close()
	dctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := m.nodes.Delete(dctx, m.cfg.Node.ID); err != nil {
		m.log.Debug("withdraw node announcement", "err", err)
	}
	return nil
}

// Draining reports whether this node is draining.
func (m *Member) Draining() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.draining
}

// SetDraining marks the node as draining (it takes no new room, and its rooms are placed
// elsewhere at their participants' next join) and announces it at once.
func (m *Member) SetDraining(ctx context.Context, on bool) error {
	m.mu.Lock()
	m.draining = on
	m.mu.Unlock()
	return m.announce(ctx)
}

func (m *Member) announce(ctx context.Context) error {
	info := m.cfg.Node
	info.Load = m.cfg.Load()
	info.At = m.cfg.Now().UTC()
	m.mu.Lock()
	info.Draining = m.draining
	m.mu.Unlock()
	b, err := m.seal.seal(info)
	if err != nil {
		return err
	}
	if _, err := m.nodes.Put(ctx, info.ID, b); err != nil {
		return fmt.Errorf("%w: announce node: %v", ErrUnreachable, err)
	}
	// This node sees itself without waiting for the watch.
	m.mu.Lock()
	m.view[info.ID] = &peer{info: info, seen: m.cfg.Now()}
	m.mu.Unlock()
	return nil
}

// follow applies every update of kv until ctx ends, watching again if the watch breaks.
func (m *Member) follow(ctx context.Context, kv jetstream.KeyValue, apply func(jetstream.KeyValueEntry)) {
	for ctx.Err() == nil {
		w, err := kv.WatchAll(ctx)
		if err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(m.cfg.Heartbeat):
				continue
			}
		}
		for e := range w.Updates() {
			if e != nil {
				apply(e)
			}
		}
		_ = w.Stop()
	}
}

func (m *Member) onNode(e jetstream.KeyValueEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e.Operation() != jetstream.KeyValuePut {
		delete(m.view, e.Key())
		return
	}
	var info NodeInfo
	if err := m.seal.open(e.Value(), &info); err != nil {
		m.cfg.Metrics.bad("forged")
		m.log.Warn("ignoring a node registry entry", "key", e.Key(), "err", err)
		return
	}
	now := m.cfg.Now()
	switch {
	case info.ID != e.Key():
		m.cfg.Metrics.bad("forged")
		m.log.Warn("ignoring a node registry entry filed under another node's key", "key", e.Key(), "id", info.ID)
	case now.Sub(info.At) > m.cfg.DeadAfter+MaxClockSkew:
		m.cfg.Metrics.bad("stale")
		m.log.Warn("ignoring a stale node registry entry", "node", info.ID, "announced", info.At)
	default:
		if p := m.view[info.ID]; p == nil && info.ID != m.cfg.Node.ID {
			m.log.Info("node seen", "node", info.ID, "version", info.Version, "protocol", info.Protocol, "url", info.URL)
		}
		seen := now
		if m.snapshot {
			seen = info.At
		}
		m.view[info.ID] = &peer{info: info, seen: seen}
	}
}

// placement is a room's entry in the rooms bucket.
type placement struct {
	Node string    `json:"node"`
	At   time.Time `json:"at"`
}

func (m *Member) onRoom(e jetstream.KeyValueEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e.Operation() != jetstream.KeyValuePut {
		delete(m.placed, e.Key())
		return
	}
	var p placement
	if err := m.seal.open(e.Value(), &p); err != nil {
		m.cfg.Metrics.bad("forged")
		m.log.Warn("ignoring a room placement", "room", e.Key(), "err", err)
		delete(m.placed, e.Key())
		return
	}
	m.placed[e.Key()] = p
}

// aliveLocked returns the node if it was heard from within DeadAfter and speaks our protocol.
func (m *Member) aliveLocked(id string, now time.Time) (NodeInfo, bool) {
	p := m.view[id]
	if p == nil || now.Sub(p.seen) > m.cfg.DeadAfter || p.info.Protocol != ProtocolVersion {
		return NodeInfo{}, false
	}
	return p.info, true
}

// Suspect takes node id for lost now, until it announces itself again: its process was found
// gone (it refused a connection) before its heartbeat lapsed.
func (m *Member) Suspect(id string) {
	if id == m.cfg.Node.ID {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.view[id]; p != nil {
		p.seen = time.Time{}
		m.log.Info("node refused a connection: taken for lost", "node", id)
	}
}

// Node returns what this node knows of node id, and whether it is alive.
func (m *Member) Node(id string) (NodeInfo, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.aliveLocked(id, m.cfg.Now())
}

// pickLocked returns the least-loaded node that may take a new room.
func (m *Member) pickLocked(now time.Time) (NodeInfo, error) {
	counted := map[string]int{}
	for _, p := range m.placed {
		counted[p.Node]++
	}
	var best NodeInfo
	bestScore, found := 0.0, false
	ids := make([]string, 0, len(m.view))
	for id := range m.view {
		ids = append(ids, id)
	}
	sort.Strings(ids) // equal scores: the same choice on every node
	for _, id := range ids {
		info, ok := m.aliveLocked(id, now)
		if !ok || info.Draining {
			continue
		}
		load := info.Load
		load.Rooms = max(load.Rooms, counted[id])
		if s := load.Score(); !found || s < bestScore {
			best, bestScore, found = info, s, true
		}
	}
	if !found {
		return NodeInfo{}, ErrNoNode
	}
	return best, nil
}

// Place returns the node that holds room code, placing the room on the least-loaded node if it
// has none, or if its node is lost, draining or of another protocol version (the room is then
// taken over: its participants reconnect to the new node).
func (m *Member) Place(ctx context.Context, code string) (NodeInfo, error) {
	for try := 0; try < 8; try++ {
		e, err := m.rooms.Get(ctx, code)
		var rev uint64
		if err == nil {
			rev = e.Revision()
			var p placement
			if oerr := m.seal.open(e.Value(), &p); oerr != nil {
				m.cfg.Metrics.bad("forged")
				m.log.Warn("replacing a room placement", "room", code, "err", oerr)
			} else {
				m.mu.Lock()
				info, ok := m.aliveLocked(p.Node, m.cfg.Now())
				m.mu.Unlock()
				if ok && !info.Draining {
					return info, nil
				}
			}
		} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return NodeInfo{}, fmt.Errorf("%w: place room %s: %v", ErrUnreachable, code, err)
		}
		m.mu.Lock()
		n, perr := m.pickLocked(m.cfg.Now())
		m.mu.Unlock()
		if perr != nil {
			return NodeInfo{}, perr
		}
		p := placement{Node: n.ID, At: m.cfg.Now().UTC()}
		b, err := m.seal.seal(p)
		if err != nil {
			return NodeInfo{}, err
		}
		if rev == 0 {
			_, err = m.rooms.Create(ctx, code, b)
		} else {
			_, err = m.rooms.Update(ctx, code, b, rev)
		}
		if conflict(err) {
			continue // another node placed it first: read its choice
		}
		if err != nil {
			return NodeInfo{}, fmt.Errorf("%w: place room %s: %v", ErrUnreachable, code, err)
		}
		if rev != 0 {
			m.cfg.Metrics.takeover()
			m.log.Info("room taken over", "room", code, "node", n.ID)
		}
		m.mu.Lock()
		m.placed[code] = p
		m.mu.Unlock()
		return n, nil
	}
	return NodeInfo{}, fmt.Errorf("%w: place room %s: too much contention", ErrUnreachable, code)
}

// Held returns the rooms placed on this node, with when they were placed.
func (m *Member) Held() map[string]time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]time.Time{}
	for code, p := range m.placed {
		if p.Node == m.cfg.Node.ID {
			out[code] = p.At
		}
	}
	return out
}

// Release forgets room code's placement if it is on this node (the meeting ended here).
func (m *Member) Release(ctx context.Context, code string) error {
	e, err := m.rooms.Get(ctx, code)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: release room %s: %v", ErrUnreachable, code, err)
	}
	var p placement
	if err := m.seal.open(e.Value(), &p); err == nil && p.Node != m.cfg.Node.ID {
		return nil
	}
	err = m.rooms.Delete(ctx, code, jetstream.LastRevision(e.Revision()))
	if err != nil && !conflict(err) {
		return fmt.Errorf("%w: release room %s: %v", ErrUnreachable, code, err)
	}
	return nil
}

// conflict reports whether err is a compare-and-set conflict: another node wrote first.
func conflict(err error) bool {
	var api *jetstream.APIError
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) ||
		(errors.As(err, &api) && (api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant))
}
