package turn

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the relay's Prometheus collectors.
type Metrics struct {
	Allocations  *prometheus.GaugeVec   // by transport
	RelayedBytes *prometheus.CounterVec // by transport and direction
	Refused      *prometheus.CounterVec // by reason
}

// The reasons a request or packet is refused, as visio_turn_refused_total counts them.
const (
	refusedCredentials = "credentials" // malformed, expired or forged credentials
	refusedPeer        = "peer"        // a peer other than the node's media ports
	refusedQuota       = "quota"       // too many allocations for the user or the node
	refusedBandwidth   = "bandwidth"   // a packet over the user's bit rate, dropped
)

// NewMetrics creates the collectors and registers them with reg (which may be nil, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Allocations: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "visio_turn_allocations",
			Help: "Relay allocations held on this node's TURN server, by how the browser reaches it: turn/udp, turn/tcp, turn/tls.",
		}, []string{"transport"}),
		RelayedBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "visio_turn_relayed_bytes_total",
			Help: "Bytes relayed by this node's TURN server, by transport and direction: in (from browsers to the media ports), out (from the media ports to browsers).",
		}, []string{"transport", "direction"}),
		Refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "visio_turn_refused_total",
			Help: "Requests and packets the TURN server refused, by reason: credentials (malformed, expired or forged), peer (an address other than the node's media ports), quota (allocations per user or node), bandwidth (packets over a user's bit rate, dropped).",
		}, []string{"reason"}),
	}
	for _, t := range []string{TransportUDP, TransportTCP, TransportTLS} {
		m.Allocations.WithLabelValues(t)
		m.RelayedBytes.WithLabelValues(t, "in")
		m.RelayedBytes.WithLabelValues(t, "out")
	}
	for _, r := range []string{refusedCredentials, refusedPeer, refusedQuota, refusedBandwidth} {
		m.Refused.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.Allocations, m.RelayedBytes, m.Refused)
	}
	return m
}
