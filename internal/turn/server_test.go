package turn

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/logging"
	pionturn "github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var testSecret = []byte("test-secret")

// relayEnv is a relay on loopback whose one "media port" is an echo socket of the test's.
type relayEnv struct {
	srv     *Server
	metrics *Metrics
	udp     string // TURN over UDP
	tcp     string // TURN over TCP
	https   string // the HTTPS port, shared with TURN over TLS
	roots   *x509.CertPool
	media   *net.UDPConn // echoes what it gets
	now     atomic.Pointer[time.Time]
}

type relayOpts struct {
	perUser, total, bitrate int
	idle                    time.Duration
}

func startRelay(t *testing.T, o relayOpts) *relayEnv {
	t.Helper()
	if o.perUser == 0 {
		o.perUser, o.total, o.bitrate = 16, 100, 20_000_000
	}
	e := &relayEnv{metrics: NewMetrics(nil)}
	now := time.Now()
	e.now.Store(&now)
	media, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	e.media = media
	echoDone := make(chan struct{})
	go func() {
		defer close(echoDone)
		buf := make([]byte, 1500)
		for {
			n, from, err := media.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			_, _ = media.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tcp, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	https, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cert, roots := testCert(t)
	demux := NewDemux(https, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}, o.idle, nil)
	web := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s tls=%v", r.Proto, r.TLS != nil)
	}), TLSConfig: &tls.Config{NextProtos: []string{"h2", "http/1.1"}}}
	webDone := make(chan struct{})
	go func() { defer close(webDone); _ = web.Serve(demux.HTTP()) }()
	mediaAddr := media.LocalAddr().(*net.UDPAddr).AddrPort()
	e.srv, err = New(Config{
		UDP: udp, TCP: tcp, TLS: []net.Listener{demux.TURN()},
		RelayIP: netip.MustParseAddr("127.0.0.1"), Peers: []Peer{{Advertised: mediaAddr, Local: mediaAddr}},
		Secret: testSecret, MaxAllocationsPerUser: o.perUser, MaxAllocations: o.total, MaxBitrate: o.bitrate,
		Metrics: e.metrics, Now: func() time.Time { return *e.now.Load() }, IdleTimeout: o.idle,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.udp, e.tcp, e.https, e.roots = udp.LocalAddr().String(), tcp.Addr().String(), https.Addr().String(), roots
	t.Cleanup(func() {
		_ = e.srv.Close()
		_ = web.Close()
		_ = demux.Close()
		<-webDone
		_ = media.Close()
		<-echoDone
	})
	return e
}

// client is a TURN client of the relay over conn (a UDP socket, or a STUN connection over a
// stream), with the credentials of user issued at the relay's clock.
func (e *relayEnv) client(t *testing.T, conn net.PacketConn, server, username, password string) *pionturn.Client {
	t.Helper()
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelDisabled
	c, err := pionturn.NewClient(&pionturn.ClientConfig{
		TURNServerAddr: server, STUNServerAddr: server, Conn: conn,
		Username: username, Password: password, Realm: Realm, LoggerFactory: lf, RTO: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); _ = conn.Close() })
	return c
}

func (e *relayEnv) udpClient(t *testing.T, user string) *pionturn.Client {
	t.Helper()
	cr := Issue(testSecret, user, *e.now.Load(), time.Hour)
	return e.udpClientAs(t, cr.Username, cr.Password)
}

func (e *relayEnv) udpClientAs(t *testing.T, username, password string) *pionturn.Client {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return e.client(t, conn, e.udp, username, password)
}

// echo sends payload to the media port through relay and returns what comes back.
func echo(t *testing.T, relay net.PacketConn, to net.Addr, payload []byte) []byte {
	t.Helper()
	if _, err := relay.WriteTo(payload, to); err != nil {
		t.Fatalf("relay to %v: %v", to, err)
	}
	_ = relay.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	n, from, err := relay.ReadFrom(buf)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if from.String() != to.String() {
		t.Errorf("answer from %v, want %v", from, to)
	}
	return buf[:n]
}

// TestRelayTransports: over UDP, TCP, and TLS on the shared HTTPS port (with and without
// ALPN), a client's packets reach the media port and its answers come back, byte for byte;
// web requests on the HTTPS port still get HTTP/2 with their TLS state.
func TestRelayTransports(t *testing.T) {
	e := startRelay(t, relayOpts{})
	media := e.media.LocalAddr()
	stream := func(t *testing.T, tlsCfg *tls.Config) net.PacketConn {
		c, err := net.Dial("tcp4", map[bool]string{true: e.https, false: e.tcp}[tlsCfg != nil])
		if err != nil {
			t.Fatal(err)
		}
		if tlsCfg != nil {
			c = tls.Client(c, tlsCfg)
		}
		return pionturn.NewSTUNConn(c)
	}
	cases := []struct {
		name string
		conn func(t *testing.T) (net.PacketConn, string)
	}{
		{"udp", func(t *testing.T) (net.PacketConn, string) {
			c, err := net.ListenPacket("udp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			return c, e.udp
		}},
		{"tcp", func(t *testing.T) (net.PacketConn, string) { return stream(t, nil), e.tcp }},
		{"tls without ALPN", func(t *testing.T) (net.PacketConn, string) {
			return stream(t, &tls.Config{RootCAs: e.roots, ServerName: "127.0.0.1"}), e.https
		}},
		{"tls with ALPN stun.turn", func(t *testing.T) (net.PacketConn, string) {
			return stream(t, &tls.Config{RootCAs: e.roots, ServerName: "127.0.0.1", NextProtos: []string{"stun.turn"}}), e.https
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, server := tc.conn(t)
			cr := Issue(testSecret, fmt.Sprintf("p%d", i), time.Now(), time.Hour)
			c := e.client(t, conn, server, cr.Username, cr.Password)
			relay, err := c.Allocate()
			if err != nil {
				t.Fatalf("allocate: %v", err)
			}
			defer relay.Close()
			for n := range 20 {
				payload := []byte(fmt.Sprintf("%s packet %d", tc.name, n))
				if got := echo(t, relay, media, payload); string(got) != string(payload) {
					t.Fatalf("got %q back, want %q", got, payload)
				}
			}
		})
	}
	for _, tr := range []string{TransportUDP, TransportTCP, TransportTLS} {
		if v := testutil.ToFloat64(e.metrics.RelayedBytes.WithLabelValues(tr, "in")); v == 0 {
			t.Errorf("no bytes relayed in over %s", tr)
		}
	}

	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.roots}, ForceAttemptHTTP2: true}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get("https://" + e.https + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "HTTP/2.0 tls=true" {
		t.Errorf("web request on the shared port: %q, want HTTP/2.0 with its TLS state", body)
	}
}

// TestRelayRefusesOtherPeers: the relay is no way into the network. Permissions for any address
// but the media port's are refused (loopback, private, link-local, public); and a packet to
// another port of the media port's own address (a service on the same machine) is dropped.
func TestRelayRefusesOtherPeers(t *testing.T) {
	e := startRelay(t, relayOpts{})
	c := e.udpClient(t, "mallory")
	relay, err := c.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	for _, peer := range []string{"127.0.0.2:7882", "10.0.0.1:22", "192.168.1.1:80", "172.16.0.1:5432", "169.254.169.254:80", "100.64.0.1:53", "8.8.8.8:53", "[::1]:7882"} {
		ap := netip.MustParseAddrPort(peer)
		if err := c.CreatePermission(net.UDPAddrFromAddrPort(ap)); err == nil {
			t.Errorf("permission to %s granted", peer)
		}
	}
	service, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer service.Close()
	before := testutil.ToFloat64(e.metrics.Refused.WithLabelValues(refusedPeer))
	for range 5 {
		if _, err := relay.WriteTo([]byte("probe"), service.LocalAddr()); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	_ = service.SetReadDeadline(time.Now().Add(time.Second))
	if n, from, err := service.ReadFrom(make([]byte, 100)); err == nil {
		t.Fatalf("a service on the relay's machine got %d bytes from %v", n, from)
	}
	if got := testutil.ToFloat64(e.metrics.Refused.WithLabelValues(refusedPeer)) - before; got < 5 {
		t.Errorf("refused packets to another port: %v, want 5", got)
	}
	// The media port itself is still reached.
	if got := echo(t, relay, e.media.LocalAddr(), []byte("media")); string(got) != "media" {
		t.Errorf("media port: %q", got)
	}
}

// TestRelayRefusesCredentials: expired, forged, malformed credentials and those of another
// secret get no allocation.
func TestRelayRefusesCredentials(t *testing.T) {
	e := startRelay(t, relayOpts{})
	now := *e.now.Load()
	expired := Issue(testSecret, "p", now.Add(-2*time.Hour), time.Hour)
	good := Issue(testSecret, "p", now, time.Hour)
	other := Issue([]byte("another secret"), "p", now, time.Hour)
	later := Issue(testSecret, "p", now, 48*time.Hour)
	cases := []struct{ name, user, pass string }{
		{"expired", expired.Username, expired.Password},
		{"forged password", good.Username, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="},
		{"another secret", other.Username, other.Password},
		{"expiry moved", later.Username, good.Password},
		{"not expiry:user", "p", good.Password},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := testutil.ToFloat64(e.metrics.Refused.WithLabelValues(refusedCredentials))
			c := e.udpClientAs(t, tc.user, tc.pass)
			if relay, err := c.Allocate(); err == nil {
				relay.Close()
				t.Fatal("allocated")
			}
			if got := testutil.ToFloat64(e.metrics.Refused.WithLabelValues(refusedCredentials)); got <= before {
				t.Error("the refusal was not counted")
			}
		})
	}
	// Credentials that expire while held: the next allocation with them is refused.
	c := e.udpClientAs(t, good.Username, good.Password)
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("valid credentials: %v", err)
	}
	relay.Close()
	past := now.Add(2 * time.Hour)
	e.now.Store(&past)
	c2 := e.udpClientAs(t, good.Username, good.Password)
	if relay, err := c2.Allocate(); err == nil {
		relay.Close()
		t.Fatal("allocated with credentials past their expiry")
	}
}

// TestRelayAllocationQuota: a user holds at most its quota of allocations, under a flood of
// requests; others are not affected, and an allocation given back can be made again.
func TestRelayAllocationQuota(t *testing.T) {
	e := startRelay(t, relayOpts{perUser: 3, total: 5, bitrate: 1_000_000})
	var held []net.PacketConn
	defer func() {
		for _, r := range held {
			r.Close()
		}
	}()
	granted := 0
	for range 10 {
		if relay, err := e.udpClient(t, "greedy").Allocate(); err == nil {
			held = append(held, relay)
			granted++
		}
	}
	if granted != 3 {
		t.Fatalf("granted %d allocations to one user, want 3", granted)
	}
	if got := testutil.ToFloat64(e.metrics.Refused.WithLabelValues(refusedQuota)); got < 7 {
		t.Errorf("refused for quota: %v, want 7", got)
	}
	for _, u := range []string{"a", "b"} {
		relay, err := e.udpClient(t, u).Allocate()
		if err != nil {
			t.Fatalf("user %s: %v", u, err)
		}
		held = append(held, relay)
	}
	if _, err := e.udpClient(t, "c").Allocate(); err == nil {
		t.Fatal("allocation beyond the node's quota")
	}
	held[0].Close()
	held = held[1:]
	deadline := time.Now().Add(5 * time.Second)
	for {
		relay, err := e.udpClient(t, "greedy").Allocate()
		if err == nil {
			held = append(held, relay)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("an allocation given back was not counted back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRelayBandwidthQuota: a user flooding the relay gets no more through than its bit rate
// (plus a quarter second of burst); the rest is dropped and counted.
func TestRelayBandwidthQuota(t *testing.T) {
	const bitrate = 800_000 // 100 kB/s
	e := startRelay(t, relayOpts{perUser: 4, total: 10, bitrate: bitrate})
	// A sink in place of the echo: count what reaches the media port.
	var got atomic.Int64
	relay, err := e.udpClient(t, "flood").Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Read back the echoes, counting bytes that made it to the media port and back.
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for ctx.Err() == nil {
			_ = relay.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if n, _, err := relay.ReadFrom(buf); err == nil {
				got.Add(int64(n))
			}
		}
	}()
	start := time.Now()
	payload := make([]byte, 1000)
	const packets = 2000 // 2 MB, twenty times the rate
	for range packets {
		if _, err := relay.WriteTo(payload, e.media.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond)
	cancel()
	<-done
	elapsed := time.Since(start).Seconds()
	burst := max(bitrate/8/4, 64<<10)
	limit := float64(burst) + elapsed*bitrate/8 + 1000
	if g := float64(got.Load()); g > limit || g == 0 {
		t.Errorf("%.0f bytes got through in %.2fs, want some and at most %.0f", g, elapsed, limit)
	}
	if d := testutil.ToFloat64(e.metrics.Refused.WithLabelValues(refusedBandwidth)); d == 0 {
		t.Error("no packet counted as dropped for the bit rate")
	}
	t.Logf("%d of %d bytes through in %.2fs (limit %d B/s, burst %d)", got.Load(), packets*len(payload), elapsed, bitrate/8, burst)
}

// TestRelayClosesSilentConnections: a TCP or TLS connection that sends nothing is closed, rather
// than held open for whoever wants to exhaust the server.
func TestRelayClosesSilentConnections(t *testing.T) {
	e := startRelay(t, relayOpts{idle: 300 * time.Millisecond})
	for _, addr := range []string{e.tcp, e.https} {
		c, err := net.Dial("tcp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		if addr == e.https {
			tc := tls.Client(c, &tls.Config{RootCAs: e.roots, ServerName: "127.0.0.1"})
			if err := tc.Handshake(); err != nil {
				t.Fatal(err)
			}
			c = tc
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = c.Read(make([]byte, 1))
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("%s: a silent connection is still open after 5 s", addr)
		}
		c.Close()
	}
}

// testCert returns a certificate for 127.0.0.1 and the pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
