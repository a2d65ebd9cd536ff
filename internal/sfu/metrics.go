package sfu

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the SFU's Prometheus collectors.
type Metrics struct {
	Tracks           prometheus.Gauge
	ForwardedPackets prometheus.Counter
	ForwardedBytes   prometheus.Counter
	ForwardErrors    prometheus.Counter
	KeyframeRequests prometheus.Counter
	NACKs            prometheus.Counter
	Retransmissions  prometheus.Counter
	NACKsSent        prometheus.Counter
	PeerConnections  prometheus.Gauge
	SendDrops        prometheus.Counter
	SendPaths        *prometheus.CounterVec // by path: direct, pion
	Connections      *prometheus.CounterVec // by transport (tcp.go)
}

// NewMetrics creates the collectors and registers them with reg (which may be nil, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Tracks: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "visio_sfu_published_tracks", Help: "Tracks currently published to the SFU.",
		}),
		ForwardedPackets: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "visio_sfu_forwarded_packets_total", Help: "RTP packets forwarded to subscribers.",
		}),
		ForwardedBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "visio_sfu_forwarded_bytes_total", Help: "RTP bytes (header and payload) forwarded to subscribers.",
		}),
		ForwardErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "visio_sfu_forward_errors_total", Help: "RTP packets that could not be parsed or written to a subscriber.",
		}),
		KeyframeRequests: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "visio_sfu_keyframe_requests_total", Help: "Picture loss indications sent to publishers.",
		}),
		NACKs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "visio_sfu_nacks_total", Help: "Packets subscribers reported lost (RFC 4585 generic NACK).",
		}),
		Retransmissions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "visio_sfu_retransmitted_packets_total", Help: "Packets sent again from the shared cache in answer to NACKs.",
		}),
		NACKsSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "visio_sfu_nacks_sent_total", Help: "Packets asked again from publishers (RFC 4585 generic NACK), retries included.",
		}),
		PeerConnections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "visio_sfu_peer_connections", Help: "Open WebRTC peer connections (two per participant).",
		}),
		SendDrops: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "visio_sfu_send_drops_total", Help: "Datagrams dropped because the media socket's send buffer was full: the server's uplink is saturated.",
		}),
		SendPaths: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "visio_sfu_subscriber_send_paths_total",
			Help: "Subscriber connections established, by how forwarded media is sent to them: direct (the server's own SRTP and socket) or pion (the fallback: the server was the DTLS client, or the candidate pair is over TCP, or on an address the server has no one socket for). A browser relayed by a TURN server is a UDP peer here: direct.",
		}, []string{"path"}),
	}
	m.SendPaths.WithLabelValues("direct")
	m.SendPaths.WithLabelValues("pion")
	m.Connections = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "visio_sfu_connections_total",
		Help: "Peer connections established (two per participant), by transport: udp, tcp (ICE over TCP), turn/udp, turn/tcp, turn/tls (this node's relay, by how the browser reaches it), turn/other (another relay).",
	}, []string{"transport"})
	for _, t := range []string{"udp", "tcp", "turn/udp", "turn/tcp", "turn/tls"} {
		m.Connections.WithLabelValues(t)
	}
	if reg != nil {
		reg.MustRegister(m.Tracks, m.ForwardedPackets, m.ForwardedBytes, m.ForwardErrors, m.KeyframeRequests, m.NACKs, m.Retransmissions, m.NACKsSent, m.PeerConnections, m.SendDrops, m.SendPaths, m.Connections)
	}
	return m
}
