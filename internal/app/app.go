// Package app is the composition root: it builds every component from the configuration, runs
// them, and stops them in order.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"visio/internal/api"
	"visio/internal/auth"
	"visio/internal/config"
	"visio/internal/realip"
	"visio/internal/routine"
	"visio/internal/sfu"
	"visio/internal/signal"
	"visio/web"
)

// App is a running visio service.
type App struct {
	cfg    config.Config
	log    *slog.Logger
	engine *sfu.Engine
	hub    *signal.Hub
	acc    *access        // store, sign-in, join tokens (access.go)
	tx     *transcription // transcription.go
	rc     *recordings    // recording.go
	chat   *chatKeeper    // chat.go
	node   *node          // cluster.go
	http   *http.Server
	ln     net.Listener
	serve  net.Listener // what the web server serves: ln, with TLS if it terminates it (relay.go)
	relay  *relay
	// metrics is the separate metrics listener (http.metrics_addr), or nil.
	metrics *metricsListener
}

// New builds the service and opens its ports. Call Run to serve.
func New(cfg config.Config, log *slog.Logger) (*App, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	relayOf := &relayTransport{}
	engine, err := sfu.NewEngine(sfu.Config{
		UDPPort:         cfg.Media.UDPPort,
		TCPAddr:         mediaTCPAddr(cfg.Media),
		RelayTransport:  relayOf.transport,
		PublicIPs:       cfg.Media.PublicIPs,
		IncludeLoopback: cfg.Media.IncludeLoopback,
		LoopbackOnly:    cfg.Media.LoopbackOnly,
	}, sfu.NewMetrics(reg), log.With("component", "sfu"))
	if err != nil {
		return nil, err
	}
	acc, err := newAccess(context.Background(), cfg, log)
	if err != nil {
		_ = engine.Close()
		return nil, err
	}
	ice := make([]signal.ICEServerJSON, 0, len(cfg.Media.ICEServers))
	for _, s := range cfg.Media.ICEServers {
		ice = append(ice, signal.ICEServerJSON{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	var rl *relay // made once the web server's port is open
	hub := signal.NewHub(signal.Config{
		ICEServersFor:        func(id string) []signal.ICEServerJSON { return rl.iceServers(id) },
		MaxMessageBytes:      cfg.Signal.MaxMessageBytes,
		MaxMessagesPerSecond: cfg.Signal.MaxMessagesPerSecond,
		ReconnectGrace:       cfg.Signal.ReconnectGrace.D(),
		PingInterval:         cfg.Signal.PingInterval.D(),
		MaxParticipants:      cfg.Room.MaxParticipants,
		ICEServers:           ice,
		OriginPatterns:       cfg.HTTP.AllowedOrigins,
		LobbyTimeout:         cfg.Room.LobbyTimeout.D(),
		JoinTimeout:          cfg.Signal.JoinTimeout.D(),
		MaxSocketsPerAddress: cfg.Signal.MaxSocketsPerAddress,
		MaxSockets:           cfg.Signal.MaxSockets,
	}, acc.gate, engine, signal.NewMetrics(reg), log.With("component", "signal"))

	hub.SetMeetingStates(acc.db)
	tx, err := newTranscription(cfg, acc.db, hub, log.With("component", "transcription"))
	if err != nil {
		_ = engine.Close()
		acc.close()
		return nil, err
	}
	// undo releases what New opened so far, last first, when a later step fails.
	var undo []func()
	fail := func(err error) (*App, error) {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
		return nil, err
	}
	undo = append(undo, acc.close, func() { tx.finish(hub) }, func() { _ = engine.Close() })
	rc, err := newRecordings(cfg, acc.db, hub, reg, log.With("component", "recording"))
	if err != nil {
		return fail(err)
	}
	undo = append(undo, rc.close)
	chat := newChatKeeper(acc.db, cfg.Transcription.Retention.D(), hub, log.With("component", "chat"))

	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fail(fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err))
	}
	undo = append(undo, func() { _ = ln.Close() })
	var lnServe net.Listener
	tlsCfg, err := webTLSConfig(cfg.HTTP)
	if err == nil {
		rl, lnServe, err = newRelay(cfg, engine, ln, tlsCfg, reg, log.With("component", "turn"))
	}
	if err != nil {
		return fail(err)
	}
	relayOf.srv = rl.srv
	undo = append(undo, rl.close)
	// Sign-in needs the address users reach the service at, known once the port is open.
	if err := acc.startSignIn((&App{cfg: cfg, ln: ln}).URL()); err != nil {
		return fail(err)
	}
	nd, err := newNode(context.Background(), cfg, acc.keys, ln.Addr(), engine.Addrs(), reg, reg, log.With("component", "cluster"))
	if err != nil {
		return fail(err)
	}
	undo = append(undo, nd.stop)
	nd.participants = hub.Participants
	live, err := nd.serveLive(hub)
	if err != nil {
		return fail(err)
	}

	webFS, built := web.FS()
	if !built {
		log.Warn("the web application is not built: serving a placeholder page (run make web)")
	}
	handler, err := auth.SameOrigin(nil, api.NewHandler(api.Params{
		Access: api.Access{Store: acc.db, Auth: acc.auth, Apps: acc.apps, Tokens: acc.tokens, Issuer: acc.issuer, LocalIdP: acc.localIdP()},
		Rooms:  live, Signal: nd.router(hub, acc.db, log.With("component", "cluster")), Web: webFS,
		Gatherer: reg, PublicURL: cfg.HTTP.PublicURL, Log: log.With("component", "api"),
		Transcripts: tx.store, RecordingStore: acc.db, Chats: acc.db,
		RoomLimits: api.RoomLimits{MaxPerUser: cfg.Room.MaxPerUser, CreationsPerMinute: cfg.Room.CreationsPerMinute},
		NoMetrics:  cfg.HTTP.MetricsAddr != "",
		HSTS:       cfg.HTTP.TLSCert != "",
		Draining:   nd.member.Draining,
		NetTest:    &netTest{engine: engine, relay: rl},
	}.WithRecordings(rc.files())))
	if err != nil {
		return fail(err)
	}
	var metrics *metricsListener
	if cfg.HTTP.MetricsAddr != "" {
		if metrics, err = listenMetrics(cfg.HTTP.MetricsAddr, reg); err != nil {
			return fail(err)
		}
	}
	proxies, _ := realip.ParsePrefixes(cfg.HTTP.TrustedProxies) // checked by Validate
	srv := &http.Server{
		TLSConfig:         tlsCfg,
		Handler:           withTLSState(realip.Handler(proxies, handler)),
		ConnContext:       tlsStateContext,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return &App{cfg: cfg, log: log, engine: engine, hub: hub, acc: acc, tx: tx, rc: rc, chat: chat, node: nd, http: srv, ln: ln, serve: lnServe,
		relay: rl, metrics: metrics}, nil
}

// webTLSConfig is the web server's TLS configuration, or nil if it does not terminate TLS.
func webTLSConfig(h config.HTTP) (*tls.Config, error) {
	if h.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(h.TLSCert, h.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("http.tls_cert and http.tls_key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}, nil
}

// mediaTCPAddr is the address of the media TCP port (ICE over TCP), or "" for none.
func mediaTCPAddr(m config.Media) string {
	if m.TCPPort < 0 {
		return ""
	}
	host := ""
	if m.LoopbackOnly {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(m.TCPPort))
}

// URL returns the address to open in a browser.
func (a *App) URL() string {
	if a.cfg.HTTP.PublicURL != "" {
		return a.cfg.HTTP.PublicURL
	}
	scheme := "http"
	if a.cfg.HTTP.TLSCert != "" {
		scheme = "https"
	}
	addr := a.ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "localhost"
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("%s://%s:%d", scheme, host, addr.Port)
}

// MediaAddrs returns the local addresses of the media UDP port.
func (a *App) MediaAddrs() []net.Addr { return a.engine.Addrs() }

// Run serves until ctx is cancelled, then shuts down gracefully: participants are told, rooms
// are closed, and the ports are released.
func (a *App) Run(ctx context.Context, stdout io.Writer) error {
	// The service's own goroutines: the web server, the debug and metrics listeners.
	g := routine.NewGroup(ctx)
	defer g.Close()
	if a.cfg.HTTP.DebugAddr != "" {
		if err := startDebug(g, a.cfg.HTTP.DebugAddr, a.log); err != nil {
			return err
		}
	}
	if a.metrics != nil {
		a.metrics.serve(g, a.log)
	}
	errc := make(chan error, 1)
	a.tx.start()
	a.rc.start()
	a.chat.start()
	a.acc.start()
	a.node.start()
	g.Go(func(context.Context) {
		err := a.http.Serve(a.serve)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		errc <- err
	})
	if stdout != nil {
		fmt.Fprintf(stdout, "visio: listening on %s\n", a.URL())
	}
	a.log.Info("serving", "url", a.URL(), "media_udp", fmt.Sprint(a.engine.Addrs()), "media_tcp", fmt.Sprint(a.engine.TCPAddr()))

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	a.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.HTTP.ShutdownTimeout.D())
	defer cancel()
	// Other nodes take this node's rooms as their participants reconnect.
	a.node.drain(sctx)
	if err := a.hub.Shutdown(sctx); err != nil {
		a.log.Warn("some sessions did not end in time", "err", err)
	}
	a.tx.finish(a.hub)
	a.rc.finish()
	a.chat.finish()
	if err := a.http.Shutdown(sctx); err != nil {
		a.log.Warn("http shutdown", "err", err)
		_ = a.http.Close()
	}
	if serveErr == nil {
		serveErr = <-errc
	}
	a.node.stop()
	a.acc.close()
	a.relay.close()
	if err := a.engine.Close(); err != nil {
		a.log.Debug("close media port", "err", err)
	}
	return serveErr
}

// NewLogger builds the logger the configuration asks for.
func NewLogger(cfg config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
