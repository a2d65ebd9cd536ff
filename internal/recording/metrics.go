package recording

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the recordings' Prometheus collectors.
type Metrics struct {
	Active         prometheus.Gauge
	DroppedPackets prometheus.Counter
	Compositions   *prometheus.CounterVec // by result: ready, tracks_only, failed
	ComposeCPU     prometheus.Counter
}

// NewMetrics creates the collectors and registers them with reg (which may be nil, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Active: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "visio_recordings_active", Help: "Meetings being recorded on this node.",
		}),
		DroppedPackets: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "visio_recording_dropped_packets_total", Help: "Packets a recorder could not keep up with (its queue was full); they are missing from the recording.",
		}),
		Compositions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "visio_recording_compositions_total", Help: "Recordings composed (ready), kept as per-track files without ffmpeg (tracks_only), or failed.",
		}, []string{"result"}),
		ComposeCPU: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "visio_recording_compose_cpu_seconds_total", Help: "CPU time ffmpeg spent composing recordings.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.Active, m.DroppedPackets, m.Compositions, m.ComposeCPU)
	}
	return m
}
