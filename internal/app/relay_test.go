package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pionturn "github.com/pion/turn/v5"

	"visio/internal/client"
	"visio/internal/config"
	"visio/internal/turn"
)

// testCA is a certificate authority of the test's own and a certificate it signed for
// 127.0.0.1, written to PEM files.
type testCA struct {
	pool              *x509.CertPool
	certFile, keyFile string
}

func newTestCA(t *testing.T) testCA {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "visio test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := testCA{pool: x509.NewCertPool(), certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem")}
	c.pool.AddCert(ca)
	kb, _ := x509.MarshalECPrivateKey(key)
	if err := os.WriteFile(c.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

// tlsDialer opens TLS connections trusting the test's authority, as a browser's TURN client
// does for turns: URLs (with no ALPN, as browsers send none).
type tlsDialer struct{ roots *x509.CertPool }

func (d tlsDialer) Dial(network, addr string) (net.Conn, error) {
	dl := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: &tls.Config{RootCAs: d.roots, ServerName: "127.0.0.1"}}
	return dl.Dial(network, addr)
}

// keepURL keeps the ICE server URLs that start with prefix and end with suffix.
func keepURL(prefix, suffix string) func(string) bool {
	return func(u string) bool { return strings.HasPrefix(u, prefix) && strings.HasSuffix(u, suffix) }
}

// TestRelayOnly: participants that may use relayed candidates only (a browser with
// iceTransportPolicy "relay", as when nothing but the relay gets through) get the node's TURN
// servers and credentials of their own with their welcome, and exchange media with the exact
// payloads over TURN/UDP, TURN/TCP, TURN/TLS on the relay's own address and TURN/TLS on the
// HTTPS port; each connection counts under its transport.
func TestRelayOnly(t *testing.T) {
	ca := newTestCA(t)
	a, _ := startApp(t, func(c *config.Config) {
		c.TURN.TLSAddr = "127.0.0.1:0"
		c.TURN.TLSCert, c.TURN.TLSKey = ca.certFile, ca.keyFile
	})
	base := a.URL()
	udpTCP, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	viaTLS, err := client.NewAPIWith(client.APIOptions{Loopback: true, TURNDialer: tlsDialer{ca.pool}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, transport string
		keep            func(string) bool
	}{
		{"TURN over UDP", "turn/udp", keepURL("turn:", "?transport=udp")},
		{"TURN over TCP", "turn/tcp", keepURL("turn:", "?transport=tcp")},
		{"TURN over TLS", "turn/tls", keepURL("turns:", "?transport=tcp")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := udpTCP
			if tc.transport == "turn/tls" {
				api = viaTLS
			}
			before := labelled(t, base, "visio_sfu_connections_total", "transport", tc.transport)
			exchange(t, base, api, api, client.Options{ICE: &client.ICEPolicy{Relay: true, Keep: tc.keep}})
			if got := labelled(t, base, "visio_sfu_connections_total", "transport", tc.transport) - before; got != 2 {
				t.Errorf("connections over %s: %v more, want 2", tc.transport, got)
			}
			for _, dir := range []string{"in", "out"} {
				name := fmt.Sprintf("visio_turn_relayed_bytes_total{direction=%q,transport=%q}", dir, tc.transport)
				if got := metric(t, base, name); got < 40*1000 {
					t.Errorf("%s: %v, want the media's bytes", name, got)
				}
			}
		})
	}
	if n := labelled(t, base, "visio_sfu_connections_total", "transport", "udp"); n != 0 {
		t.Errorf("direct UDP connections: %v, want none (relay only)", n)
	}
	// The server sees a relayed subscriber at the relay's address: its own send path serves it.
	if n := labelled(t, base, "visio_sfu_subscriber_send_paths_total", "path", "direct"); n < 3 {
		t.Errorf("relayed subscribers sent directly: %v, want 3", n)
	}
}

// TestRelayOnHTTPSPort: when the server serves HTTPS itself, the HTTPS port also takes TURN
// over TLS (a network that allows only TCP 443): relay-only participants reach each other
// through it, and the web pages and signalling on the same port work as before.
func TestRelayOnHTTPSPort(t *testing.T) {
	ca := newTestCA(t)
	// The headless client's HTTP and WebSocket use Go's default transport: trust the test's
	// authority there for this test.
	dt := http.DefaultTransport.(*http.Transport)
	old := dt.TLSClientConfig
	dt.TLSClientConfig = &tls.Config{RootCAs: ca.pool}
	t.Cleanup(func() { dt.TLSClientConfig = old; dt.CloseIdleConnections() })

	a, _ := startApp(t, func(c *config.Config) { c.HTTP.TLSCert, c.HTTP.TLSKey = ca.certFile, ca.keyFile })
	base := a.URL()
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("server URL %s, want https", base)
	}
	port := base[strings.LastIndex(base, ":")+1:]
	api, err := client.NewAPIWith(client.APIOptions{Loopback: true, TURNDialer: tlsDialer{ca.pool}})
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, base, api, api, client.Options{ICE: &client.ICEPolicy{Relay: true, Keep: func(u string) bool {
		return u == "turns:127.0.0.1:"+port+"?transport=tcp"
	}}})
	if got := labelled(t, base, "visio_sfu_connections_total", "transport", "turn/tls"); got != 2 {
		t.Errorf("connections over TURN/TLS: %v, want 2", got)
	}
}

// TestWelcomeTURNCredentials: each participant's welcome carries the relay's addresses with
// credentials of its own, "expiry:participant" and the HMAC of that under the server's secret,
// valid for turn.credential_lifetime; the secret itself is nowhere in it.
func TestWelcomeTURNCredentials(t *testing.T) {
	const secret = "a-secret-the-browser-never-sees"
	base := startServer(t, func(c *config.Config) { c.TURN.Secret = secret })
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, err := client.CreateRoom(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, name := range []string{"Camille", "Dominique"} {
		p := join(t, api, base, code, name)
		w := p.c.Welcome()
		if len(w.ICEServers) != 1 {
			t.Fatalf("%s: ICE servers %+v, want the relay", name, w.ICEServers)
		}
		s := w.ICEServers[0]
		var udp, tcp bool
		for _, u := range s.URLs {
			udp = udp || strings.HasPrefix(u, "turn:127.0.0.1:") && strings.HasSuffix(u, "?transport=udp")
			tcp = tcp || strings.HasPrefix(u, "turn:127.0.0.1:") && strings.HasSuffix(u, "?transport=tcp")
		}
		if !udp || !tcp {
			t.Errorf("%s: URLs %v, want TURN over UDP and TCP on 127.0.0.1", name, s.URLs)
		}
		exp, user, err := turn.ParseUsername(s.Username)
		if err != nil || user != p.c.ID() {
			t.Errorf("%s: user name %q (%v), want expiry:%s", name, s.Username, err, p.c.ID())
		}
		if d := time.Until(exp); d < 11*time.Hour || d > 13*time.Hour {
			t.Errorf("%s: credentials valid for %s, want 12h", name, d)
		}
		if _, pass, err := turn.Check([]byte(secret), s.Username, time.Now()); err != nil || pass != s.Credential {
			t.Errorf("%s: password is not the HMAC of the user name under the secret (%v)", name, err)
		}
		if strings.Contains(s.Credential, secret) || strings.Contains(s.Username, secret) || seen[s.Credential] {
			t.Errorf("%s: credential %q reveals the secret or is shared", name, s.Credential)
		}
		seen[s.Credential] = true
	}
}

// TestRelayNoWayIn: with the credentials of its welcome, a participant can relay to the node's
// media port only: not to another service on the node's own address (here a UDP socket of the
// test on loopback), nor to private addresses.
func TestRelayNoWayIn(t *testing.T) {
	a, _ := startApp(t)
	base := a.URL()
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, err := client.CreateRoom(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	p := join(t, api, base, code, "Mallory")
	s := p.c.Welcome().ICEServers[0]
	var server string
	for _, u := range s.URLs {
		if strings.HasSuffix(u, "?transport=udp") {
			server = strings.TrimSuffix(strings.TrimPrefix(u, "turn:"), "?transport=udp")
		}
	}
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tc, err := pionturn.NewClient(&pionturn.ClientConfig{TURNServerAddr: server, STUNServerAddr: server, Conn: conn,
		Username: s.Username, Password: s.Credential, Realm: turn.Realm})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { tc.Close(); _ = conn.Close() }()
	if err := tc.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := tc.Allocate()
	if err != nil {
		t.Fatalf("allocate with the welcome's credentials: %v", err)
	}
	defer relay.Close()
	for _, peer := range []string{"10.0.0.1:22", "192.168.0.1:80", "127.0.0.2:7882"} {
		if err := tc.CreatePermission(net.UDPAddrFromAddrPort(netip.MustParseAddrPort(peer))); err == nil {
			t.Errorf("permission to %s granted", peer)
		}
	}
	service, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer service.Close()
	if _, err := relay.WriteTo([]byte("let me in"), service.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	_ = service.SetReadDeadline(time.Now().Add(time.Second))
	if n, _, err := service.ReadFrom(make([]byte, 64)); err == nil {
		t.Fatalf("a service on the node's address got %d bytes through the relay", n)
	}
	if got := labelled(t, base, "visio_turn_refused_total", "reason", "peer"); got < 4 {
		t.Errorf("refused: %v, want 4", got)
	}
}
