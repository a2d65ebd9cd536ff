package cluster

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the cluster's Prometheus metrics. A nil *Metrics counts nothing.
type Metrics struct {
	nodes      *prometheus.GaugeVec
	rooms      *prometheus.GaugeVec
	badEntries *prometheus.CounterVec
	takeovers  prometheus.Counter
}

// NewMetrics registers the cluster metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		nodes: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "visio_cluster_nodes", Help: "Nodes this node knows of, by state (alive, draining, lost, incompatible).",
		}, []string{"state"}),
		rooms: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "visio_cluster_rooms", Help: "Rooms placed on each node, as this node sees the placements.",
		}, []string{"node"}),
		badEntries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "visio_cluster_bad_entries_total", Help: "Registry entries ignored, by reason (forged: bad signature or key; stale: announced too long ago).",
		}, []string{"reason"}),
		takeovers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "visio_cluster_rooms_taken_over_total", Help: "Rooms this node placed again because their node was lost, draining or incompatible.",
		}),
	}
	reg.MustRegister(m.nodes, m.rooms, m.badEntries, m.takeovers)
	return m
}

func (m *Metrics) bad(reason string) {
	if m != nil {
		m.badEntries.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) takeover() {
	if m != nil {
		m.takeovers.Inc()
	}
}

func (m *Metrics) observe(nodes []NodeStatus) {
	if m == nil {
		return
	}
	m.nodes.Reset()
	m.rooms.Reset()
	for _, st := range []string{StateAlive, StateDraining, StateLost, StateIncompatible} {
		m.nodes.WithLabelValues(st).Set(0)
	}
	for _, n := range nodes {
		m.nodes.WithLabelValues(n.State).Inc()
		m.rooms.WithLabelValues(n.ID).Set(float64(len(n.Placed)))
	}
}
