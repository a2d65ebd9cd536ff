package turn

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	pionturn "github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Peer is a media address of this node a relay may send to: Advertised is the address
// browsers know it by (in the server's ICE candidates), Local where the relay sends. They
// differ behind 1:1 NAT (a public address announced, a private one on the machine).
type Peer struct {
	Advertised netip.AddrPort
	Local      netip.AddrPort
}

// peers is the set of addresses relays may exchange packets with: this node's media ports and
// nothing else, so the relay is no way into the internal network (no open relay).
type peers struct {
	byAdvertised map[netip.AddrPort]netip.AddrPort
	byLocal      map[netip.AddrPort]netip.AddrPort
	ips          map[netip.Addr]bool // advertised IPs, for TURN permissions (RFC 8656 section 9)
}

func newPeers(list []Peer) *peers {
	p := &peers{byAdvertised: map[netip.AddrPort]netip.AddrPort{}, byLocal: map[netip.AddrPort]netip.AddrPort{}, ips: map[netip.Addr]bool{}}
	for _, x := range list {
		a := netip.AddrPortFrom(x.Advertised.Addr().Unmap(), x.Advertised.Port())
		l := netip.AddrPortFrom(x.Local.Addr().Unmap(), x.Local.Port())
		p.byAdvertised[a], p.byLocal[l], p.ips[a.Addr()] = l, a, true
	}
	return p
}

// permit reports whether a browser may ask for a permission to peer IP ip: only the IPs of the
// node's media addresses. Private, loopback and every other address are refused.
func (p *peers) permit(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	return ok && p.ips[a.Unmap()]
}

// user is one user's relay allocations and bit rate.
type user struct {
	allocations int
	in, out     *rate.Limiter // bytes a second, from the browser and to it
}

// quotas counts the allocations of each user and of the node, and holds each user's bit rate
// limits while it has allocations.
type quotas struct {
	perUser, total int
	bytesPerSecond int

	mu    sync.Mutex // guards the following fields
	users map[string]*user
	count int
}

func newQuotas(perUser, total, bitrate int) *quotas {
	return &quotas{perUser: perUser, total: total, bytesPerSecond: bitrate / 8, users: map[string]*user{}}
}

// allowed reports whether id may make one more allocation.
func (q *quotas) allowed(id string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.users[id]
	return q.count < q.total && (u == nil || u.allocations < q.perUser)
}

// take counts one more allocation of id, or refuses it with ErrQuota.
func (q *quotas) take(id string) (*user, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.users[id]
	if q.count >= q.total || (u != nil && u.allocations >= q.perUser) {
		return nil, ErrQuota
	}
	if u == nil {
		// A quarter of a second of burst: a keyframe passes, a flood does not.
		burst := max(q.bytesPerSecond/4, 64<<10)
		u = &user{
			in:  rate.NewLimiter(rate.Limit(q.bytesPerSecond), burst),
			out: rate.NewLimiter(rate.Limit(q.bytesPerSecond), burst),
		}
		q.users[id] = u
	}
	u.allocations++
	q.count++
	return u, nil
}

// release counts one allocation of id fewer.
func (q *quotas) release(id string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.users[id]
	if u == nil {
		return
	}
	q.count--
	if u.allocations--; u.allocations == 0 {
		delete(q.users, id)
	}
}

// relayBufferSize is the send and receive buffer asked for each relay socket.
const relayBufferSize = 1 << 20

// relays makes the relay sockets of one transport (the way browsers reach the server: it
// labels the metrics). It is pion's RelayAddressGenerator.
type relays struct {
	srv       *Server
	transport string
}

var _ pionturn.RelayAddressGenerator = (*relays)(nil)

// Validate is called by pion when the server starts.
func (r *relays) Validate() error { return nil }

// AllocatePacketConn opens a relay socket on the relay address for a user within its quota.
func (r *relays) AllocatePacketConn(conf pionturn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	s := r.srv
	if conf.Network != "udp4" && conf.Network != "udp" {
		return nil, nil, fmt.Errorf("turn: relay network %s: only IPv4 UDP relays are offered", conf.Network)
	}
	u, err := s.quotas.take(conf.UserID)
	if err != nil {
		s.metrics.Refused.WithLabelValues(refusedQuota).Inc()
		return nil, nil, err
	}
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(s.relayIP, 0)))
	if err != nil {
		s.quotas.release(conf.UserID)
		return nil, nil, fmt.Errorf("turn: open relay socket: %w", err)
	}
	// Room for a keyframe's burst while the relay's reader is busy (the kernel caps it at
	// net.core.rmem_max and wmem_max).
	_ = c.SetReadBuffer(relayBufferSize)
	_ = c.SetWriteBuffer(relayBufferSize)
	local := c.LocalAddr().(*net.UDPAddr).AddrPort()
	local = netip.AddrPortFrom(local.Addr().Unmap(), local.Port())
	m := s.metrics
	rc := &relayConn{
		UDPConn: c, srv: s, user: u, id: conf.UserID, transport: r.transport, local: local,
		inBytes: m.RelayedBytes.WithLabelValues(r.transport, "in"), outBytes: m.RelayedBytes.WithLabelValues(r.transport, "out"),
		refusedPeer: m.Refused.WithLabelValues(refusedPeer), refusedRate: m.Refused.WithLabelValues(refusedBandwidth),
	}
	s.addRelay(local, r.transport)
	return rc, net.UDPAddrFromAddrPort(local), nil
}

// AllocateListener refuses TCP relays (RFC 6062): browsers relay UDP.
func (r *relays) AllocateListener(pionturn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, ErrTCPRelay
}

// AllocateConn refuses TCP relays (RFC 6062): browsers relay UDP.
func (r *relays) AllocateConn(pionturn.AllocateConnConfig) (net.Conn, error) {
	return nil, ErrTCPRelay
}

// relayConn is one relay socket. It exchanges packets with the node's media ports only,
// translating their advertised addresses to local ones, and within its user's bit rate.
type relayConn struct {
	*net.UDPConn
	srv       *Server
	user      *user
	id        string
	transport string
	local     netip.AddrPort
	closeOnce sync.Once
	// The metrics, looked up once rather than per packet.
	inBytes, outBytes, refusedPeer, refusedRate prometheus.Counter
}

// WriteTo sends a browser's packet to peer addr, if addr is one of the node's media ports and
// the user's bit rate allows; otherwise the packet is dropped.
func (c *relayConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, fmt.Errorf("turn: relay to %v: not a UDP address", addr)
	}
	ap := ua.AddrPort()
	to, ok := c.srv.peers.byAdvertised[netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())]
	if !ok {
		c.refusedPeer.Inc()
		return len(b), nil // dropped: not one of the node's media ports
	}
	if !c.user.in.AllowN(time.Now(), len(b)) {
		c.refusedRate.Inc()
		return len(b), nil
	}
	n, err := c.UDPConn.WriteToUDPAddrPort(b, to)
	c.inBytes.Add(float64(n))
	return n, err
}

// ReadFrom returns the next packet from one of the node's media ports for the browser, within
// the user's bit rate; packets from anywhere else, or over the bit rate, are dropped.
func (c *relayConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, from, err := c.UDPConn.ReadFromUDPAddrPort(b)
		if err != nil {
			return n, nil, err
		}
		adv, ok := c.srv.peers.byLocal[netip.AddrPortFrom(from.Addr().Unmap(), from.Port())]
		if !ok {
			c.refusedPeer.Inc()
			continue
		}
		if !c.user.out.AllowN(time.Now(), n) {
			c.refusedRate.Inc()
			continue
		}
		c.outBytes.Add(float64(n))
		return n, net.UDPAddrFromAddrPort(adv), nil
	}
}

// Close closes the socket and gives its allocation back to the user's quota.
func (c *relayConn) Close() error {
	err := c.UDPConn.Close()
	c.closeOnce.Do(func() {
		c.srv.quotas.release(c.id)
		c.srv.removeRelay(c.local, c.transport)
	})
	return err
}
