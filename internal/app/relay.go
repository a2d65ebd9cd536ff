package app

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"visio/internal/config"
	"visio/internal/sfu"
	"visio/internal/signal"
	"visio/internal/turn"
)

// relay is the TURN side of the service: the embedded relay, or an external one's addresses,
// and the credentials each participant gets with its welcome.
type relay struct {
	cfg    config.TURN
	secret []byte
	urls   []string
	srv    *turn.Server // nil: external or off
	demux  *turn.Demux  // the HTTPS port shared with the relay, or nil
	log    *slog.Logger
}

// relayTransport is the engine's view of the relay, set once the relay runs (after the
// engine, whose media addresses it needs).
type relayTransport struct{ srv *turn.Server }

func (r *relayTransport) transport(a netip.AddrPort) string {
	if r.srv == nil {
		return ""
	}
	return r.srv.Transport(a)
}

// newRelay starts the relay cfg asks for. httpLn is the web server's listener and tlsCfg its
// TLS configuration (nil: the server does not terminate TLS); the returned listener is what the
// web server serves, TLS included.
func newRelay(cfg config.Config, engine *sfu.Engine, httpLn net.Listener, tlsCfg *tls.Config, reg prometheus.Registerer, log *slog.Logger) (*relay, net.Listener, error) {
	serve := httpLn
	if tlsCfg != nil {
		serve = tls.NewListener(httpLn, tlsCfg)
	}
	r := &relay{cfg: cfg.TURN, log: log}
	switch cfg.TURN.Mode {
	case config.TURNOff:
		return r, serve, nil
	case config.TURNExternal:
		r.secret, r.urls = []byte(cfg.TURN.Secret), cfg.TURN.URLs
		return r, serve, nil
	}
	r.secret = []byte(cfg.TURN.Secret)
	if len(r.secret) == 0 {
		r.secret = make([]byte, 32)
		_, _ = rand.Read(r.secret)
	}
	host := "" // all addresses
	if cfg.Media.LoopbackOnly {
		host = "127.0.0.1"
	}
	relayIP, peers := relayAddresses(cfg.Media, engine.Addrs())
	if len(peers) == 0 {
		log.Warn("no relay: the media port has no IPv4 address to relay to (the relay is IPv4 only)")
		return r, serve, nil
	}
	var opened []interface{ Close() error }
	fail := func(err error) (*relay, net.Listener, error) {
		for _, c := range opened {
			_ = c.Close()
		}
		return nil, nil, err
	}
	udp, tcp, err := listenRelay(host, cfg.TURN.Port)
	if err != nil {
		return fail(err)
	}
	opened = append(opened, udp, tcp)
	port := udp.LocalAddr().(*net.UDPAddr).Port
	relayHost := relayHostOf(cfg, relayIP)
	r.urls = []string{
		fmt.Sprintf("turn:%s?transport=udp", net.JoinHostPort(relayHost, strconv.Itoa(port))),
		fmt.Sprintf("turn:%s?transport=tcp", net.JoinHostPort(relayHost, strconv.Itoa(port))),
	}
	var tlsLns []net.Listener
	if cfg.TURN.TLSAddr != "" {
		own, err := relayTLSConfig(cfg, tlsCfg)
		if err != nil {
			return fail(err)
		}
		ln, err := net.Listen("tcp", cfg.TURN.TLSAddr)
		if err != nil {
			return fail(fmt.Errorf("turn: listen on %s: %w", cfg.TURN.TLSAddr, err))
		}
		opened = append(opened, ln)
		tlsLns = append(tlsLns, turn.TLSListener(ln, own))
		r.urls = append(r.urls, fmt.Sprintf("turns:%s?transport=tcp", net.JoinHostPort(relayHost, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))))
	}
	if tlsCfg != nil && cfg.TURN.OnHTTPSPort {
		r.demux = turn.NewDemux(httpLn, tlsCfg, 0, log)
		serve = r.demux.HTTP()
		tlsLns = append(tlsLns, r.demux.TURN())
		r.urls = append(r.urls, "turns:"+httpsHostPort(cfg, relayHost, httpLn)+"?transport=tcp")
	}
	r.srv, err = turn.New(turn.Config{
		UDP: udp, TCP: tcp, TLS: tlsLns, RelayIP: relayIP, Peers: peers, Secret: r.secret,
		MaxAllocationsPerUser: cfg.TURN.MaxAllocationsPerUser, MaxAllocations: cfg.TURN.MaxAllocations,
		MaxBitrate: cfg.TURN.MaxBitrate, Metrics: turn.NewMetrics(reg), Log: log,
	})
	if err != nil {
		if r.demux != nil {
			_ = r.demux.Close()
		}
		return fail(err)
	}
	return r, serve, nil
}

// listenRelay opens the relay's UDP and TCP port (the same number for both; port 0 picks one
// free for both).
func listenRelay(host string, port int) (net.PacketConn, net.Listener, error) {
	for try := 0; ; try++ {
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		udp, err := net.ListenPacket("udp4", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("turn: listen on UDP %s: %w (set turn.port, 0 for any free port, or turn.mode = \"off\")", addr, err)
		}
		tcpAddr := net.JoinHostPort(host, strconv.Itoa(udp.LocalAddr().(*net.UDPAddr).Port))
		tcp, err := net.Listen("tcp4", tcpAddr)
		if err == nil {
			// Every browser relayed over UDP arrives on this one socket, as on the media port.
			_ = udp.(*net.UDPConn).SetReadBuffer(4 << 20)
			_ = udp.(*net.UDPConn).SetWriteBuffer(4 << 20)
			return udp, tcp, nil
		}
		_ = udp.Close()
		if port != 0 || try == 4 {
			return nil, nil, fmt.Errorf("turn: listen on TCP %s: %w (set turn.port, 0 for any free port, or turn.mode = \"off\")", tcpAddr, err)
		}
	}
}

// relayAddresses returns the address relay sockets open on (the first IPv4 address of the
// media port that is not loopback, or loopback if there is none) and the media addresses relays
// may send to: the media port's own, and each public address announced for it, reached on the
// relay address's socket.
func relayAddresses(m config.Media, media []net.Addr) (netip.Addr, []turn.Peer) {
	var own []netip.AddrPort
	for _, a := range media {
		ua, ok := a.(*net.UDPAddr)
		if !ok {
			continue
		}
		ap := ua.AddrPort()
		if ip := ap.Addr().Unmap(); ip.Is4() {
			own = append(own, netip.AddrPortFrom(ip, ap.Port()))
		}
	}
	if len(own) == 0 {
		return netip.Addr{}, nil
	}
	main := own[0]
	for _, a := range own {
		if !a.Addr().IsLoopback() {
			main = a
			break
		}
	}
	var peers []turn.Peer
	for _, a := range own {
		peers = append(peers, turn.Peer{Advertised: a, Local: a})
	}
	for _, ip := range m.PublicIPs {
		if pub, err := netip.ParseAddr(ip); err == nil && pub.Is4() && pub != main.Addr() {
			peers = append(peers, turn.Peer{Advertised: netip.AddrPortFrom(pub, main.Port()), Local: main})
		}
	}
	return main.Addr(), peers
}

// relayHostOf is the host in the relay's URLs: turn.host, else the public URL's host or public
// address, else the relay address.
func relayHostOf(cfg config.Config, relayIP netip.Addr) string {
	if h := cfg.RelayHost(); h != "" {
		return h
	}
	return relayIP.String()
}

// httpsHostPort is the host and port browsers reach the HTTPS port at.
func httpsHostPort(cfg config.Config, relayHost string, ln net.Listener) string {
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	host := relayHost
	if u, err := url.Parse(cfg.HTTP.PublicURL); err == nil && cfg.HTTP.PublicURL != "" {
		host = u.Hostname()
		if p := u.Port(); p != "" {
			port = p
		} else if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(host, port)
}

// relayTLSConfig is the TLS configuration of turn.tls_addr: its own certificate, or the web
// server's.
func relayTLSConfig(cfg config.Config, web *tls.Config) (*tls.Config, error) {
	if cfg.TURN.TLSCert == "" {
		if web == nil {
			return nil, errors.New("turn.tls_addr: no certificate (set turn.tls_cert and turn.tls_key)")
		}
		return web, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TURN.TLSCert, cfg.TURN.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("turn.tls_cert: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// iceServers returns participant id's ICE servers: the relay's URLs with credentials of its own.
func (r *relay) iceServers(id string) []signal.ICEServerJSON {
	if r == nil || len(r.urls) == 0 {
		return nil
	}
	c := turn.Issue(r.secret, id, time.Now(), r.cfg.CredentialLifetime.D())
	return []signal.ICEServerJSON{{URLs: r.urls, Username: c.Username, Credential: c.Password}}
}

// close stops the relay and the HTTPS port's sharing, once the web server is shut down.
func (r *relay) close() {
	if r == nil {
		return
	}
	if r.srv != nil {
		if err := r.srv.Close(); err != nil {
			r.log.Debug("turn close", "err", err)
		}
	}
	if r.demux != nil {
		_ = r.demux.Close()
	}
}

// tlsStateKey keys the TLS state of a connection in its requests' contexts.
type tlsStateKey struct{}

// tlsStateContext keeps the TLS state of a connection the relay's demultiplexer handed over, which
// net/http does not see (see turn.TLSState).
func tlsStateContext(ctx context.Context, c net.Conn) context.Context {
	if _, ok := c.(*tls.Conn); ok {
		return ctx // net/http sets Request.TLS itself
	}
	if st := turn.TLSState(c); st != nil {
		return context.WithValue(ctx, tlsStateKey{}, st)
	}
	return ctx
}

// withTLSState sets Request.TLS from tlsStateContext, so that everything that asks whether a
// request came over HTTPS (secure cookies, HSTS, links) gets the same answer on a shared port.
func withTLSState(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			if st, ok := r.Context().Value(tlsStateKey{}).(*tls.ConnectionState); ok {
				r = r.WithContext(r.Context())
				r.TLS = st
			}
		}
		next.ServeHTTP(w, r)
	})
}
