package turn

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"
)

// TURN over TLS on the HTTPS port. A network that lets only TCP 443 out still lets media
// through if the relay answers on 443: when the server terminates TLS itself, Demux takes the
// HTTPS port's connections, completes their TLS handshake, and hands each to the web server or
// to the relay:
//
//   - ALPN "stun.turn" (RFC 7443): the relay;
//   - ALPN "h2" or "http/1.1" (every browser's HTTPS request): the web server, as the TLS
//     connection itself, so HTTP/2 and the request's TLS state are as without the relay;
//   - no ALPN (browsers' TURN clients send none): the first bytes decide. A STUN message
//     (RFC 8489 section 6: two zero bits, then at byte 4 the magic cookie 0x2112A442) goes to
//     the relay; anything else to the web server (an HTTP client without ALPN: its request
//     then has no TLS state).
//
// The handshake and the first bytes are awaited on the connection's own goroutine, within
// sniffTimeout: a slow or silent client holds up nobody else.

// alpnTURN is the ALPN protocol id of TURN (RFC 7443).
const alpnTURN = "stun.turn"

// sniffTimeout bounds a connection's TLS handshake and first bytes, by default.
const sniffTimeout = 10 * time.Second

// stunMagicCookie is the fixed value at bytes 4-7 of every STUN message (RFC 8489 section 6).
const stunMagicCookie = 0x2112A442

// IsSTUN reports whether b, the first bytes a client sent, begin a STUN message: the top two
// bits zero and the magic cookie at bytes 4-7. It needs 8 bytes.
func IsSTUN(b []byte) bool {
	return len(b) >= 8 && b[0]&0xC0 == 0 && binary.BigEndian.Uint32(b[4:8]) == stunMagicCookie
}

// Demux splits a TLS listener between the web server (HTTP) and the relay (TURN).
type Demux struct {
	ln      net.Listener
	cfg     *tls.Config
	log     *slog.Logger
	timeout time.Duration
	http    *chanListener
	turn    *chanListener

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// NewDemux serves TLS with cfg on ln and starts sorting its connections, each within timeout
// (0: 10 s) for its handshake and first bytes. HTTP and TURN return the two sides; Close stops
// it.
func NewDemux(ln net.Listener, cfg *tls.Config, timeout time.Duration, log *slog.Logger) *Demux {
	if timeout <= 0 {
		timeout = sniffTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := cfg.Clone()
	for _, p := range []string{"h2", "http/1.1", alpnTURN} {
		if !slices.Contains(c.NextProtos, p) {
			c.NextProtos = append(c.NextProtos, p)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &Demux{ln: ln, cfg: c, log: log, timeout: timeout, ctx: ctx, cancel: cancel}
	d.http = newChanListener(ln.Addr())
	d.turn = newChanListener(ln.Addr())
	d.wg.Add(1)
	go d.accept()
	return d
}

// HTTP is the web server's side: TLS connections that are not TURN. Closing it closes that
// side only: its connections are then refused.
func (d *Demux) HTTP() net.Listener { return d.http }

// TURN is the relay's side: TLS connections that speak TURN. Closing it closes that side only.
func (d *Demux) TURN() net.Listener { return d.turn }

// Close stops accepting, closes the listener and both sides, and waits for the connections
// being sorted. It is safe to call more than once.
func (d *Demux) Close() error {
	var err error
	d.once.Do(func() {
		d.cancel()
		err = d.ln.Close()
		d.http.close()
		d.turn.close()
		d.wg.Wait()
	})
	return err
}

func (d *Demux) accept() {
	defer d.wg.Done()
	for {
		c, err := d.ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			d.http.close()
			d.turn.close()
			return
		}
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			d.sort(c)
		}()
	}
}

// sort completes c's handshake and hands it to one side.
func (d *Demux) sort(raw net.Conn) {
	_ = raw.SetDeadline(time.Now().Add(d.timeout))
	tc := tls.Server(raw, d.cfg)
	if err := tc.HandshakeContext(d.ctx); err != nil {
		d.log.Debug("TLS handshake on the HTTPS port failed", "from", raw.RemoteAddr(), "err", err)
		_ = raw.Close()
		return
	}
	var conn net.Conn = tc
	alpn := tc.ConnectionState().NegotiatedProtocol
	var first []byte
	if needsSniff(alpn) {
		br := bufio.NewReaderSize(tc, 64)
		var err error
		if first, err = br.Peek(8); err != nil && err != io.EOF {
			_ = tc.Close()
			return
		}
		conn = &peekedConn{Conn: tc, r: br}
	}
	side := d.http
	if isTURN(alpn, first) {
		side = d.turn
	}
	_ = raw.SetDeadline(time.Time{})
	if !side.deliver(d.ctx, conn) {
		_ = conn.Close()
	}
}

// needsSniff reports whether a connection that negotiated alpn is told apart by its first bytes.
func needsSniff(alpn string) bool {
	switch alpn {
	case alpnTURN, "h2", "http/1.1":
		return false
	}
	return true
}

// isTURN reports whether a connection that negotiated alpn and whose first bytes are first (read
// only if needsSniff) is for the relay.
func isTURN(alpn string, first []byte) bool {
	if !needsSniff(alpn) {
		return alpn == alpnTURN
	}
	return IsSTUN(first)
}

// peekedConn is a connection whose first bytes were read ahead into r.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// ConnectionState is the TLS state of the connection (see TLSState).
func (c *peekedConn) ConnectionState() tls.ConnectionState {
	return c.Conn.(*tls.Conn).ConnectionState()
}

// TLSState returns the TLS state of a connection the demultiplexer handed to the web server,
// which net/http cannot see when the connection's first bytes were read ahead (it only
// recognises a *tls.Conn): set it as the request's TLS (see http.Server.ConnContext).
func TLSState(c net.Conn) *tls.ConnectionState {
	if s, ok := c.(interface{ ConnectionState() tls.ConnectionState }); ok {
		st := s.ConnectionState()
		return &st
	}
	return nil
}

// chanListener is a listener whose connections are handed to it.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// deliver hands c to the listener's Accept, unless it or ctx is closed first.
func (l *chanListener) deliver(ctx context.Context, c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	case <-ctx.Done():
		return false
	}
}

// Accept returns the next connection.
func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) close() { l.once.Do(func() { close(l.done) }) }

// Close stops the listener: connections sorted to it from then on are closed.
func (l *chanListener) Close() error {
	l.close()
	return nil
}

// Addr is the address of the HTTPS port.
func (l *chanListener) Addr() net.Addr { return l.addr }
