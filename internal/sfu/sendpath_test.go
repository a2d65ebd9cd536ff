package sfu

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/selfsign"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"

	"visio/internal/udpsock"
)

// TestDTLSKeys: the SRTP keys derived from the DTLS server's hello and key log are those pion
// derives from the finished handshake, for each SRTP profile, with both hashes of the exporter
// (SHA-256 and SHA-384 cipher suites), with and without extended master secret.
func TestDTLSKeys(t *testing.T) {
	cases := []struct {
		name    string
		suite   dtls.CipherSuiteID
		profile dtls.SRTPProtectionProfile
		ems     dtls.ExtendedMasterSecretType
	}{
		{"aes128gcm", dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, dtls.SRTP_AEAD_AES_128_GCM, dtls.RequireExtendedMasterSecret},
		{"aes256gcm-sha384", dtls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, dtls.SRTP_AEAD_AES_256_GCM, dtls.RequireExtendedMasterSecret},
		{"cm-hmac", dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, dtls.SRTP_AES128_CM_HMAC_SHA1_80, dtls.DisableExtendedMasterSecret},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var got *srtpKeys
			calls := 0
			k := &keyCapture{onKeys: func(s *srtpKeys) { mu.Lock(); got = s; calls++; mu.Unlock() }}
			server, _ := dtlsHandshake(t, &dtls.Config{
				CipherSuites:           []dtls.CipherSuiteID{tc.suite},
				SRTPProtectionProfiles: []dtls.SRTPProtectionProfile{tc.profile},
				ExtendedMasterSecret:   tc.ems,
				ServerHelloMessageHook: k.serverHello,
				KeyLogWriter:           k,
			})
			state, ok := server.ConnectionState()
			if !ok {
				t.Fatal("no connection state")
			}
			profile, _ := srtpProfileOf(tc.profile)
			want := srtp.Config{Profile: profile}
			if err := want.ExtractSessionKeysFromDTLS(&state, false); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if got == nil {
				t.Fatalf("no keys derived (%d calls)", calls)
			}
			if got.profile != profile || !bytes.Equal(got.key, want.Keys.LocalMasterKey) || !bytes.Equal(got.salt, want.Keys.LocalMasterSalt) {
				t.Errorf("keys %v %x %x, want %v %x %x", got.profile, got.key, got.salt, profile, want.Keys.LocalMasterKey, want.Keys.LocalMasterSalt)
			}
		})
	}
}

// dtlsHandshake runs a DTLS handshake over loopback UDP between a server with cfg and a client, and
// returns both ends.
func dtlsHandshake(t *testing.T, cfg *dtls.Config) (server, client *dtls.Conn) {
	t.Helper()
	cert, err := selfsign.GenerateSelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Certificates = []tls.Certificate{cert}
	sc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	server, err = dtls.Server(sc, cc.LocalAddr(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	clientCert, err := selfsign.GenerateSelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	client, err = dtls.Client(cc, sc.LocalAddr(), &dtls.Config{
		Certificates:           []tls.Certificate{clientCert},
		InsecureSkipVerify:     true,
		CipherSuites:           cfg.CipherSuites,
		SRTPProtectionProfiles: cfg.SRTPProtectionProfiles,
		ExtendedMasterSecret:   cfg.ExtendedMasterSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close(); _ = server.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- server.HandshakeContext(ctx) }()
	if err := client.HandshakeContext(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	return server, client
}

// TestSendPathWrites: a down track's packets go through pion until the connection has a send
// path, then are encrypted with the connection's keys and sent from the pair's socket to its
// remote address, where they decrypt to what was written, sequence after sequence.
func TestSendPathWrites(t *testing.T) {
	conn, la, remote := sendPathSockets(t)
	ra := remote.LocalAddr().(*net.UDPAddr)
	sockets := &socketSet{}
	sockets.add(la, conn)
	out := newDirectSender(sockets)
	fallback := &fakeBinding{keep: true} // pion's writer
	w := &srtpWriter{out: out, fallback: fallback}
	hdr := &rtp.Header{Version: 2, PayloadType: 111, SSRC: 0x1234, SequenceNumber: 65534, Timestamp: 960}
	if _, err := w.WriteRTP(hdr, []byte("before")); err != nil {
		t.Fatal(err)
	}
	if len(fallback.written) != 1 {
		t.Fatalf("before the path: %d packets through pion, want 1", len(fallback.written))
	}

	key, salt := bytes.Repeat([]byte{7}, 16), bytes.Repeat([]byte{9}, 12)
	out.mu.Lock()
	out.keys = &srtpKeys{profile: srtp.ProtectionProfileAeadAes128Gcm, key: key, salt: salt}
	out.mu.Unlock()
	out.pairChanged(hostPair(la, ra.AddrPort()))
	if err := out.connected(); err != nil {
		t.Fatal(err)
	}
	dec, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAeadAes128Gcm)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	// Across the sequence number wrap: the rollover counter follows.
	for i, payload := range []string{"one", "two", "three", "four"} {
		hdr.SequenceNumber++
		hdr.Timestamp += 960
		if _, err := w.WriteRTP(hdr, []byte(payload)); err != nil {
			t.Fatal(err)
		}
		_ = remote.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, from, err := remote.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatal(err)
		}
		if from != la {
			t.Errorf("packet %d from %v, want %v", i, from, la)
		}
		var h rtp.Header
		plain, err := dec.DecryptRTP(nil, buf[:n], &h)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if got := string(plain[len(plain)-len(payload):]); got != payload || h.SequenceNumber != hdr.SequenceNumber || h.SSRC != hdr.SSRC {
			t.Errorf("packet %d: %q seq %d, want %q seq %d", i, got, h.SequenceNumber, payload, hdr.SequenceNumber)
		}
	}
	if len(fallback.written) != 1 {
		t.Errorf("%d packets through pion, want 1", len(fallback.written))
	}

	// A subscriber that declared RFC 9335 gets its header extensions encrypted.
	out.setCryptex(true)
	hdr.SequenceNumber++
	if err := hdr.SetExtension(5, []byte{0x80 | 30}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteRTP(hdr, []byte("five")); err != nil {
		t.Fatal(err)
	}
	_ = remote.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := remote.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	if profile := uint16(buf[12])<<8 | uint16(buf[13]); profile != 0xC0DE {
		t.Errorf("header extension profile %#x, want 0xC0DE (encrypted)", profile)
	}
	if err := dec.UpdateOptions(srtp.Cryptex(srtp.CryptexModeEnabled)); err != nil {
		t.Fatal(err)
	}
	var h rtp.Header
	plain, err := dec.DecryptRTP(nil, buf[:n], &h)
	if err != nil || string(plain[len(plain)-4:]) != "five" {
		t.Fatalf("encrypted header extensions: %v", err)
	}
	if ext := h.GetExtension(5); len(ext) != 1 || ext[0] != 0x80|30 {
		t.Errorf("audio level extension %x after decryption", ext)
	}
	out.close()
	if _, err := w.WriteRTP(hdr, []byte("after")); err != nil || len(fallback.written) != 2 {
		t.Errorf("after close: err %v, %d packets through pion, want 2", err, len(fallback.written))
	}
}

// TestSendPathRoute: the socket of a candidate pair is the one bound to the local candidate's
// address, or, for an address seen from outside (1:1 NAT), the one socket of its family and port
// that is not loopback; relayed pairs and unresolved names are not routed.
func TestSendPathRoute(t *testing.T) {
	sockets := &socketSet{}
	lo, lan, lan6 := &udpsock.Conn{}, &udpsock.Conn{}, &udpsock.Conn{}
	sockets.add(netip.MustParseAddrPort("127.0.0.1:4000"), lo)
	sockets.add(netip.MustParseAddrPort("10.0.0.5:4000"), lan)
	sockets.add(netip.MustParseAddrPort("[fd00::5]:4000"), lan6)
	pair := func(local string, typ webrtc.ICECandidateType, remote string) *webrtc.ICECandidatePair {
		return &webrtc.ICECandidatePair{
			Local:  &webrtc.ICECandidate{Address: local, Port: 4000, Protocol: webrtc.ICEProtocolUDP, Typ: typ},
			Remote: &webrtc.ICECandidate{Address: remote, Port: 5000, Protocol: webrtc.ICEProtocolUDP, Typ: webrtc.ICECandidateTypePrflx},
		}
	}
	for _, tc := range []struct {
		name string
		pair *webrtc.ICECandidatePair
		want *udpsock.Conn
	}{
		{"loopback", pair("127.0.0.1", webrtc.ICECandidateTypeHost, "127.0.0.1"), lo},
		{"lan", pair("10.0.0.5", webrtc.ICECandidateTypeHost, "10.0.0.9"), lan},
		{"ipv6", pair("fd00::5", webrtc.ICECandidateTypeHost, "fd00::9"), lan6},
		{"public address", pair("198.51.100.7", webrtc.ICECandidateTypeHost, "203.0.113.4"), lan},
		{"relay", pair("198.51.100.7", webrtc.ICECandidateTypeRelay, "203.0.113.4"), nil},
		{"mdns", pair("10.0.0.5", webrtc.ICECandidateTypeHost, "4f5c9a8e.local"), nil},
		{"none", nil, nil},
	} {
		c, to, err := sockets.route(tc.pair)
		if c != tc.want {
			t.Errorf("%s: socket %p (err %v), want %p", tc.name, c, err, tc.want)
		}
		if tc.want != nil && to.Port() != 5000 {
			t.Errorf("%s: to %v", tc.name, to)
		}
	}
}

// sendPathSockets opens a media socket (through udpsock, as the engine's) and a remote one on
// loopback.
func sendPathSockets(t testing.TB) (*udpsock.Conn, netip.AddrPort, *net.UDPConn) {
	t.Helper()
	local, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = local.Close() })
	conn, err := udpsock.Wrap(local, nil)
	if err != nil {
		t.Fatal(err)
	}
	remote, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = remote.Close() })
	return conn, local.LocalAddr().(*net.UDPAddr).AddrPort(), remote
}

func hostPair(local, remote netip.AddrPort) *webrtc.ICECandidatePair {
	return &webrtc.ICECandidatePair{
		Local:  &webrtc.ICECandidate{Address: local.Addr().String(), Port: local.Port(), Protocol: webrtc.ICEProtocolUDP, Typ: webrtc.ICECandidateTypeHost},
		Remote: &webrtc.ICECandidate{Address: remote.Addr().String(), Port: remote.Port(), Protocol: webrtc.ICEProtocolUDP, Typ: webrtc.ICECandidateTypeHost},
	}
}

// BenchmarkSendPath is the whole per-subscriber cost of forwarding one 1,000-byte packet: the
// down track's rewrite, then the send path's SRTP encryption (AES-128-GCM) and send over
// loopback. The floor relay does the last two per subscriber.
func BenchmarkSendPath(b *testing.B) {
	conn, la, remote := sendPathSockets(b)
	go func() { // keep the receiving socket's buffer from filling
		buf := make([]byte, 1500)
		for {
			if _, _, err := remote.ReadFromUDPAddrPort(buf); err != nil {
				return
			}
		}
	}()
	sockets := &socketSet{}
	sockets.add(la, conn)
	out := newDirectSender(sockets)
	out.mu.Lock()
	out.keys = &srtpKeys{profile: srtp.ProtectionProfileAeadAes128Gcm, key: make([]byte, 16), salt: make([]byte, 12)}
	out.mu.Unlock()
	out.pairChanged(hostPair(la, remote.LocalAddr().(*net.UDPAddr).AddrPort()))
	if err := out.connected(); err != nil {
		b.Fatal(err)
	}
	d := newDownTrack(testTrack(), nil, out, nil)
	if _, err := d.Bind(&fakeBinding{}); err != nil {
		b.Fatal(err)
	}
	p := packet(1)
	p.Payload = make([]byte, 1000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.SequenceNumber = uint16(i)
		if ok, err := d.writeRTP(p, 0, &vp8Descriptor{}, 0); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func TestDeclaresCryptex(t *testing.T) {
	const head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	const media = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n"
	for _, tc := range []struct {
		name, sdp string
		want      bool
	}{
		{"session", head + "a=cryptex\r\n" + media, true},
		{"media", head + media + "a=cryptex\r\n", true},
		{"none", head + media, false},
		{"garbage", "not SDP", false},
	} {
		if got := declaresCryptex(tc.sdp); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
