// Package turn is the node's own TURN relay (RFC 8656, built on pion/turn) for browsers whose
// network lets no media through directly: it takes TURN over UDP and TCP on one port, and TURN
// over TLS on an address of its own and on the HTTPS port (demux.go), and relays only to this
// node's media ports. Each participant gets short-lived credentials of its own with its join
// (credentials.go); allocations and bit rate are limited per participant.
package turn

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/logging"
	pionturn "github.com/pion/turn/v5"
)

// Transports of the relay: how a browser reaches it.
const (
	TransportUDP = "turn/udp"
	TransportTCP = "turn/tcp"
	TransportTLS = "turn/tls"
)

// Realm is the TURN realm of the relay.
const Realm = "visio"

// Config configures the relay.
type Config struct {
	// UDP and TCP are the listeners of TURN over UDP and TCP (either may be nil).
	UDP net.PacketConn
	TCP net.Listener
	// TLS are listeners of TURN over TLS: connections they return are TLS connections (an
	// address of its own, and the HTTPS port's share, demux.go).
	TLS []net.Listener
	// RelayIP is the address relay sockets are opened on: one of the node's own, from which the
	// media ports are reached.
	RelayIP netip.Addr
	// Peers are the node's media addresses, the only ones relayed to.
	Peers []Peer
	// Secret makes and checks credentials.
	Secret []byte
	// MaxAllocationsPerUser, MaxAllocations and MaxBitrate (bits a second per user and
	// direction) are the quotas.
	MaxAllocationsPerUser, MaxAllocations, MaxBitrate int
	// Metrics, if not nil, receives the relay's figures.
	Metrics *Metrics
	// IdleTimeout closes a TCP or TLS connection silent this long. Default 90 s.
	IdleTimeout time.Duration
	// Now, if set, is the clock credentials are checked against (tests).
	Now func() time.Time
	// Log is the relay's logger.
	Log *slog.Logger
}

// Server is a running relay.
type Server struct {
	relayIP netip.Addr
	peers   *peers
	quotas  *quotas
	metrics *Metrics
	secret  []byte
	now     func() time.Time
	log     *slog.Logger
	turn    *pionturn.Server

	mu     sync.Mutex                // guards the following fields
	active map[netip.AddrPort]string // relay socket address -> transport
}

// New starts a relay on the listeners of cfg. Close stops it.
func New(cfg Config) (*Server, error) {
	if len(cfg.Peers) == 0 {
		return nil, ErrNoPeers
	}
	if !cfg.RelayIP.IsValid() {
		return nil, fmt.Errorf("turn: no relay address")
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = defaultIdleTimeout
	}
	s := &Server{
		relayIP: cfg.RelayIP.Unmap(),
		peers:   newPeers(cfg.Peers),
		quotas:  newQuotas(cfg.MaxAllocationsPerUser, cfg.MaxAllocations, cfg.MaxBitrate),
		metrics: cfg.Metrics,
		secret:  cfg.Secret,
		now:     cfg.Now,
		log:     cfg.Log,
		active:  map[netip.AddrPort]string{},
	}
	permit := func(_ net.Addr, ip net.IP) bool {
		if s.peers.permit(ip) {
			return true
		}
		s.metrics.Refused.WithLabelValues(refusedPeer).Inc()
		return false
	}
	sc := pionturn.ServerConfig{
		Realm:         Realm,
		AuthHandler:   s.authenticate,
		QuotaHandler:  func(id, _ string, _ net.Addr) bool { return s.quotaAllows(id) },
		LoggerFactory: slogFactory{log: cfg.Log},
		EventHandler: pionturn.EventHandler{
			OnAuth: func(_, _ net.Addr, _, username, _, _ string, verdict bool) {
				if !verdict {
					s.metrics.Refused.WithLabelValues(refusedCredentials).Inc()
				}
			},
		},
	}
	if cfg.UDP != nil {
		sc.PacketConnConfigs = append(sc.PacketConnConfigs, pionturn.PacketConnConfig{
			PacketConn: cfg.UDP, RelayAddressGenerator: &relays{srv: s, transport: TransportUDP}, PermissionHandler: permit,
		})
	}
	if cfg.TCP != nil {
		sc.ListenerConfigs = append(sc.ListenerConfigs, pionturn.ListenerConfig{
			Listener: idleListener{cfg.TCP, cfg.IdleTimeout}, RelayAddressGenerator: &relays{srv: s, transport: TransportTCP}, PermissionHandler: permit,
		})
	}
	for _, l := range cfg.TLS {
		sc.ListenerConfigs = append(sc.ListenerConfigs, pionturn.ListenerConfig{
			Listener: idleListener{l, cfg.IdleTimeout}, RelayAddressGenerator: &relays{srv: s, transport: TransportTLS}, PermissionHandler: permit,
		})
	}
	t, err := pionturn.NewServer(sc)
	if err != nil {
		return nil, fmt.Errorf("turn: start: %w", err)
	}
	s.turn = t
	return s, nil
}

// authenticate is pion's AuthHandler: it checks the user name's form and expiry, and returns
// the key the request's message integrity must match (RFC 8489 section 9.2).
func (s *Server) authenticate(ra *pionturn.RequestAttributes) (string, []byte, bool) {
	user, pass, err := Check(s.secret, ra.Username, s.now())
	if err != nil {
		s.metrics.Refused.WithLabelValues(refusedCredentials).Inc()
		s.log.Debug("turn credentials refused", "from", ra.SrcAddr, "err", err)
		return "", nil, false
	}
	return user, pionturn.GenerateAuthKey(ra.Username, ra.Realm, pass), true
}

// quotaAllows is pion's QuotaHandler: it answers 486 (Allocation Quota Reached) early.
func (s *Server) quotaAllows(id string) bool {
	if s.quotas.allowed(id) {
		return true
	}
	s.metrics.Refused.WithLabelValues(refusedQuota).Inc()
	return false
}

// Transport returns the transport a browser reaches the relay socket at addr by (TransportUDP,
// TransportTCP, TransportTLS), or "" if addr is no relay socket of this server's.
func (s *Server) Transport(addr netip.AddrPort) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active[netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())]
}

func (s *Server) addRelay(a netip.AddrPort, transport string) {
	s.mu.Lock()
	s.active[a] = transport
	s.mu.Unlock()
	s.metrics.Allocations.WithLabelValues(transport).Inc()
}

func (s *Server) removeRelay(a netip.AddrPort, transport string) {
	s.mu.Lock()
	delete(s.active, a)
	s.mu.Unlock()
	s.metrics.Allocations.WithLabelValues(transport).Dec()
}

// Credentials makes credentials for user valid for lifetime.
func (s *Server) Credentials(user string, lifetime time.Duration) Credentials {
	return Issue(s.secret, user, s.now(), lifetime)
}

// Close stops the relay, closes its listeners and relay sockets, and waits for its goroutines.
func (s *Server) Close() error { return s.turn.Close() }

// TLSListener returns a listener of TURN over TLS on ln with the certificate of cfg. Browsers
// send no ALPN for TURN; clients that do send "stun.turn" (RFC 7443).
func TLSListener(ln net.Listener, cfg *tls.Config) net.Listener {
	c := cfg.Clone()
	c.NextProtos = []string{alpnTURN}
	return tls.NewListener(ln, c)
}

// slogFactory gives pion's loggers to slog, at debug level: the relay's own events are in
// the metrics.
type slogFactory struct{ log *slog.Logger }

func (f slogFactory) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (l pionLogger) Trace(string)          {}
func (l pionLogger) Tracef(string, ...any) {}
func (l pionLogger) Debug(m string)        { l.log.Debug(m) }
func (l pionLogger) Debugf(f string, a ...any) {
	l.log.Debug(fmt.Sprintf(f, a...))
}
func (l pionLogger) Info(m string)             { l.log.Debug(m) }
func (l pionLogger) Infof(f string, a ...any)  { l.log.Debug(fmt.Sprintf(f, a...)) }
func (l pionLogger) Warn(m string)             { l.log.Debug(m) }
func (l pionLogger) Warnf(f string, a ...any)  { l.log.Debug(fmt.Sprintf(f, a...)) }
func (l pionLogger) Error(m string)            { l.log.Debug(m) }
func (l pionLogger) Errorf(f string, a ...any) { l.log.Debug(fmt.Sprintf(f, a...)) }
