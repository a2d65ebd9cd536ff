package sfu

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v4"
)

// ICE over TCP (RFC 6544): for networks that block UDP, the server offers passive TCP
// candidates on one port, as it offers UDP candidates on one port; browsers connect to it
// (active candidates) and every connection is told apart by its first STUN binding request's
// user name, as on the UDP port. Media over TCP suffers from head-of-line blocking on loss, so
// browsers prefer UDP (lower priority) and use TCP only when UDP fails. Forwarded packets to a
// subscriber over TCP go through pion (sendpath.go sends only on UDP sockets).

// tcpReadPackets is how many packets a TCP connection buffers before the reader takes them.
const tcpReadPackets = 64

// tcpFirstBindTimeout is how long a TCP connection may stay open without its first STUN
// binding request: idle connections are closed rather than held.
const tcpFirstBindTimeout = 10 * time.Second

// openTCPMux listens on the media TCP port, or returns nil if there is none.
func openTCPMux(cfg Config, lf logging.LoggerFactory) (*ice.TCPMuxDefault, error) {
	if cfg.TCPAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.TCPAddr)
	if err != nil {
		return nil, fmt.Errorf("open media TCP port %s: %w (set media.tcp_port, 0 for any free port, -1 for none)", cfg.TCPAddr, err)
	}
	return ice.NewTCPMuxDefault(ice.TCPMuxParams{
		Listener:             ln,
		Logger:               lf.NewLogger("tcpmux"),
		ReadBufferSize:       tcpReadPackets,
		WriteBufferSize:      socketBufferSize,
		FirstStunBindTimeout: tcpFirstBindTimeout,
	}), nil
}

// Transports of a connection, as counted by visio_sfu_connections_total.
const (
	transportUDP       = "udp"
	transportTCP       = "tcp"
	transportTURNOther = "turn/other" // a relay that is not this node's
)

// transportOf names how a connection's selected pair carries media: directly over UDP or TCP,
// or through a relay (this node's: turn/udp, turn/tcp, turn/tls; another: turn/other). The
// relay is seen from here as the remote address of the pair.
func (e *Engine) transportOf(p *webrtc.ICECandidatePair) string {
	if p == nil || p.Local == nil || p.Remote == nil {
		return ""
	}
	if e.relayOf != nil {
		if a, err := netip.ParseAddr(p.Remote.Address); err == nil {
			if t := e.relayOf(netip.AddrPortFrom(a.Unmap(), p.Remote.Port)); t != "" {
				return t
			}
		}
	}
	switch {
	case p.Remote.Typ == webrtc.ICECandidateTypeRelay:
		return transportTURNOther
	case p.Local.Protocol == webrtc.ICEProtocolTCP:
		return transportTCP
	default:
		return transportUDP
	}
}

// countConnection counts a connection that just connected by its transport.
func (e *Engine) countConnection(pc *webrtc.PeerConnection) {
	pair, err := pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		return
	}
	if t := e.transportOf(pair); t != "" {
		e.metrics.Connections.WithLabelValues(t).Inc()
	}
}
