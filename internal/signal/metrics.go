package signal

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the signalling layer's Prometheus collectors.
type Metrics struct {
	Rooms        prometheus.Gauge
	Participants prometheus.Gauge
	Messages     *prometheus.CounterVec
	Errors       *prometheus.CounterVec
}

// NewMetrics creates the collectors and registers them with reg (which may be nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Rooms: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "visio_rooms", Help: "Rooms with at least one participant.",
		}),
		Participants: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "visio_participants", Help: "Participants in a room, including those reconnecting.",
		}),
		Messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "visio_signal_messages_total", Help: "Signalling messages received, by type.",
		}, []string{"type"}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "visio_signal_errors_total", Help: "Signalling errors sent to clients, by code.",
		}, []string{"code"}),
	}
	if reg != nil {
		reg.MustRegister(m.Rooms, m.Participants, m.Messages, m.Errors)
	}
	return m
}
