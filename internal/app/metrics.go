package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"visio/internal/routine"
)

// metricsListener serves /metrics on its own listener (http.metrics_addr), apart from the
// public web server, which then does not serve them.
type metricsListener struct {
	ln  net.Listener
	srv *http.Server
}

func listenMetrics(addr string, g prometheus.Gatherer) (*metricsListener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on http.metrics_addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	return &metricsListener{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}, nil
}

// serve serves on g's goroutines until g closes.
func (m *metricsListener) serve(g *routine.Group, log *slog.Logger) {
	g.Go(func(context.Context) {
		if err := m.srv.Serve(m.ln); err != nil && err != http.ErrServerClosed {
			log.Warn("metrics listener", "err", err)
		}
	})
	g.Go(func(ctx context.Context) {
		<-ctx.Done()
		_ = m.srv.Close()
	})
	log.Info("metrics", "url", "http://"+m.ln.Addr().String()+"/metrics")
}

// MetricsURL returns the address of the metrics endpoint.
func (a *App) MetricsURL() string {
	if a.metrics == nil {
		return a.URL() + "/metrics"
	}
	return "http://" + a.metrics.ln.Addr().String() + "/metrics"
}
