package sfu

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/prf"
	"github.com/pion/dtls/v3/pkg/protocol/extension"
	"github.com/pion/dtls/v3/pkg/protocol/handshake"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"

	"visio/internal/udpsock"
)

// The send path of forwarded media. Through pion, each packet a subscriber gets crosses about ten
// layers after the forwarding code: the track writer, the RTP sender, the SRTP session (a lock,
// an SSRC lookup), the mux endpoint, the ICE connection (a closed check, the selected pair, a
// clock read), the candidate, the UDP mux (an address registry under a lock) and at last the
// socket. At tens of thousands of packets a second they cost as much as the encryption and the
// send themselves. So once a subscriber connection is up, each down track encrypts with its own
// SRTP context and sends on the media socket of the connection's selected ICE pair, as a bare
// relay does; pion keeps everything else (ICE, DTLS, RTCP, the packets that arrive).
//
// The SRTP keys are those pion derives from the DTLS handshake (RFC 5764 section 4.2). Pion does
// not hand them out, but it has two hooks that together tell what they come from: the DTLS
// server's hello (the server random, the cipher suite, the SRTP profile) and the key log (the
// client random and the master secret). The server offers the subscriber connection, so the
// client answers and browsers take the DTLS client role: the server's hello is the server's own.
// From these come the same keys pion uses. A connection whose keys or socket are not known (the
// server was the DTLS client, a relayed candidate) sends through pion.

// sendPath is where a subscriber connection's packets go: its SRTP keys and the socket and
// address of its selected ICE pair.
type sendPath struct {
	keys *srtpKeys
	conn *udpsock.Conn
	to   netip.AddrPort
}

// srtpKeys are the SRTP master key and salt of what the server sends on one DTLS association.
type srtpKeys struct {
	profile   srtp.ProtectionProfile
	key, salt []byte
}

// directSender is the send path of one subscriber connection. It is set up once the connection
// is connected, and follows the changes of its selected ICE pair.
type directSender struct {
	sockets *socketSet
	path    atomic.Pointer[sendPath] // nil: send through pion

	encMu   sync.Mutex    // guards the following fields
	enc     *srtp.Context // what the connection sends, all SSRCs
	encKeys *srtpKeys     // the keys enc was made with
	encHdr  rtp.Header    // scratch

	mu     sync.Mutex // guards the following fields
	hello  *handshakeSecrets
	keys   *srtpKeys
	pair   *webrtc.ICECandidatePair
	ready  bool // the connection is connected
	closed bool
}

// handshakeSecrets is what the server's DTLS hello chose.
type handshakeSecrets struct {
	serverRandom []byte
	hash         prf.HashFunc
	profile      srtp.ProtectionProfile
	srtp         bool // profile is set
}

func newDirectSender(sockets *socketSet) *directSender {
	return &directSender{sockets: sockets}
}

// serverHello notes what the server's DTLS hello chose (pion calls it when the server is the DTLS
// server, which it is when the client answers its offer as browsers do): the server random, the
// cipher suite (its hash is the exporter's) and the SRTP profile. It returns the hello unchanged.
func (s *directSender) serverHello(m handshake.MessageServerHello) handshake.Message {
	hs := &handshakeSecrets{}
	r := m.Random.MarshalFixed()
	hs.serverRandom = r[:]
	hs.hash = sha256.New
	if m.CipherSuiteID != nil && strings.HasSuffix(dtls.CipherSuiteName(dtls.CipherSuiteID(*m.CipherSuiteID)), "_SHA384") {
		hs.hash = sha512.New384
	}
	for _, e := range m.Extensions {
		if u, ok := e.(*extension.UseSRTP); ok && len(u.ProtectionProfiles) == 1 && len(u.MasterKeyIdentifier) == 0 {
			if p, ok := srtpProfileOf(u.ProtectionProfiles[0]); ok {
				hs.profile, hs.srtp = p, true
			}
		}
	}
	s.mu.Lock()
	if s.hello == nil || !bytes.Equal(s.hello.serverRandom, hs.serverRandom) {
		s.hello, s.keys = hs, nil // a new handshake
	}
	s.mu.Unlock()
	_ = s.update()
	return &m
}

// Write takes a line of the DTLS key log pion writes when the handshake has its master secret
// (NSS key log format: CLIENT_RANDOM <client random> <master secret>, in hex). The log is this
// in-process hand-over only: it is kept nowhere.
func (s *directSender) Write(line []byte) (int, error) {
	f := bytes.Fields(line)
	if len(f) != 3 || string(f[0]) != "CLIENT_RANDOM" {
		return len(line), nil
	}
	clientRandom, err1 := hex.DecodeString(string(f[1]))
	master, err2 := hex.DecodeString(string(f[2]))
	if err1 != nil || err2 != nil {
		return len(line), nil
	}
	s.mu.Lock()
	if hs := s.hello; hs != nil && hs.srtp {
		sec := &dtlsSecrets{masterSecret: master, clientRandom: clientRandom, serverRandom: hs.serverRandom, hash: hs.hash}
		if keys, err := sec.srtpKeys(hs.profile); err == nil {
			s.keys = keys
		}
	}
	s.mu.Unlock()
	_ = s.update()
	return len(line), nil
}

// connected marks the connection connected (its DTLS handshake over): from then on packets take
// the send path, if the keys are known.
func (s *directSender) connected() error {
	s.mu.Lock()
	s.ready = true
	known := s.keys != nil
	s.mu.Unlock()
	if !known {
		return errors.New("DTLS keys not known (the server was not the DTLS server)")
	}
	if err := s.update(); err != nil {
		return err
	}
	if s.path.Load() == nil {
		return errors.New("no candidate pair selected yet")
	}
	return nil
}

// pairChanged records the connection's newly selected ICE candidate pair.
func (s *directSender) pairChanged(p *webrtc.ICECandidatePair) {
	s.mu.Lock()
	s.pair = p
	s.mu.Unlock()
	_ = s.update()
}

// close stops the direct sends; what is still written goes to pion, which drops it.
func (s *directSender) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.path.Store(nil)
}

// update sets the send path from the keys and pair known, or clears it.
func (s *directSender) update() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var p *sendPath
	var err error
	if !s.closed && s.ready && s.keys != nil && s.pair != nil {
		p = &sendPath{keys: s.keys}
		p.conn, p.to, err = s.sockets.route(s.pair)
		if err != nil {
			p = nil
		}
	}
	s.path.Store(p)
	return err
}

// socketSet is the engine's media sockets, by local address.
type socketSet struct {
	mu    sync.Mutex
	conns map[netip.AddrPort]*udpsock.Conn
}

func (s *socketSet) add(addr netip.AddrPort, c *udpsock.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = make(map[netip.AddrPort]*udpsock.Conn)
	}
	s.conns[addr] = c
}

// route returns the socket and remote address of an ICE candidate pair. The local candidate is a
// host candidate on one of the sockets, or its address as seen from outside (server reflexive,
// or a public address announced for 1:1 NAT); the latter is sent from the one socket of its
// family and port that is not loopback. Relayed pairs are not routed.
func (s *socketSet) route(p *webrtc.ICECandidatePair) (*udpsock.Conn, netip.AddrPort, error) {
	if p == nil || p.Local == nil || p.Remote == nil || p.Local.Protocol != webrtc.ICEProtocolUDP {
		return nil, netip.AddrPort{}, errors.New("no UDP candidate pair")
	}
	if p.Local.Typ == webrtc.ICECandidateTypeRelay {
		return nil, netip.AddrPort{}, errors.New("relayed candidate")
	}
	remote, err := netip.ParseAddr(p.Remote.Address)
	if err != nil {
		return nil, netip.AddrPort{}, fmt.Errorf("remote candidate address: %w", err)
	}
	to := netip.AddrPortFrom(remote.Unmap(), p.Remote.Port)
	local, err := netip.ParseAddr(p.Local.Address)
	if err != nil {
		return nil, netip.AddrPort{}, fmt.Errorf("local candidate address: %w", err)
	}
	local = local.Unmap()
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.conns[netip.AddrPortFrom(local, p.Local.Port)]; c != nil {
		return c, to, nil
	}
	var only *udpsock.Conn
	for a, c := range s.conns {
		if a.Port() != p.Local.Port || a.Addr().Is4() != local.Is4() || a.Addr().IsLoopback() {
			continue
		}
		if only != nil {
			return nil, netip.AddrPort{}, errors.New("local candidate address on no one socket")
		}
		only = c
	}
	if only == nil {
		return nil, netip.AddrPort{}, errors.New("local candidate address on no socket")
	}
	return only, to, nil
}

// srtpWriter writes one down track's packets: through the connection's send path once there is
// one, through pion before.
type srtpWriter struct {
	out      *directSender
	fallback webrtc.TrackLocalWriter
}

// WriteRTP encrypts and sends one packet.
func (w *srtpWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	p := w.out.path.Load()
	if p == nil {
		return w.fallback.WriteRTP(h, payload)
	}
	return w.out.send(p, h, payload)
}

// Write sends an already marshalled packet.
func (w *srtpWriter) Write(b []byte) (int, error) {
	var pkt rtp.Packet
	if err := pkt.Unmarshal(b); err != nil {
		return 0, err
	}
	return w.WriteRTP(&pkt.Header, pkt.Payload)
}

// sendBufferSize is the room for one packet and what SRTP adds to it: at most a 16-byte
// authentication tag (AEAD).
const sendBufferSize = maxRTPPacket + 16

var sendBuffers = sync.Pool{New: func() any { return new([sendBufferSize]byte) }}

// send encrypts one packet with the connection's SRTP context and sends it on path p. The
// encryption is serialized (one context, one rollover counter per SSRC); the send is not.
func (s *directSender) send(p *sendPath, h *rtp.Header, payload []byte) (int, error) {
	b := sendBuffers.Get().(*[sendBufferSize]byte)
	defer sendBuffers.Put(b)
	n, err := h.MarshalTo(b[:])
	if err != nil {
		return 0, err
	}
	if n+len(payload) > maxRTPPacket {
		return 0, errPacketTooLarge
	}
	n += copy(b[n:], payload)
	s.encMu.Lock()
	if s.encKeys != p.keys {
		ctx, err := srtp.CreateContext(p.keys.key, p.keys.salt, p.keys.profile)
		if err != nil {
			s.encMu.Unlock()
			return 0, err
		}
		s.enc, s.encKeys = ctx, p.keys
	}
	out, err := s.enc.EncryptRTP(b[:0], b[:n], &s.encHdr) // in place
	s.encMu.Unlock()
	if err != nil {
		return 0, err
	}
	return p.conn.WriteToAddrPort(out, p.to)
}

var errPacketTooLarge = errors.New("RTP packet too large")

// dtlsSecrets are what a DTLS association's keys are derived from.
type dtlsSecrets struct {
	masterSecret, clientRandom, serverRandom []byte
	isClient                                 bool
	hash                                     prf.HashFunc
}

// srtpKeys returns the SRTP master key and salt the server sends with: RFC 5764 section 4.2, the
// keying material exported with the label EXTRACTOR-dtls_srtp (RFC 5705), laid out as pion does.
func (s *dtlsSecrets) srtpKeys(profile srtp.ProtectionProfile) (*srtpKeys, error) {
	cfg := srtp.Config{Profile: profile}
	if err := cfg.ExtractSessionKeysFromDTLS(s, s.isClient); err != nil {
		return nil, fmt.Errorf("SRTP keys: %w", err)
	}
	return &srtpKeys{profile: profile, key: cfg.Keys.LocalMasterKey, salt: cfg.Keys.LocalMasterSalt}, nil
}

// ExportKeyingMaterial is the TLS 1.2 keying material exporter (RFC 5705) without context.
func (s *dtlsSecrets) ExportKeyingMaterial(label string, context []byte, length int) ([]byte, error) {
	if len(context) != 0 {
		return nil, errors.New("exporter context not supported")
	}
	seed := make([]byte, 0, len(label)+len(s.clientRandom)+len(s.serverRandom))
	seed = append(append(append(seed, label...), s.clientRandom...), s.serverRandom...)
	return prf.PHash(s.masterSecret, seed, length, s.hash)
}

// srtpProfileOf returns the SRTP profile of a DTLS use_srtp profile (RFC 5764 section 4.1.2).
func srtpProfileOf(p dtls.SRTPProtectionProfile) (srtp.ProtectionProfile, bool) {
	switch p {
	case dtls.SRTP_AEAD_AES_128_GCM:
		return srtp.ProtectionProfileAeadAes128Gcm, true
	case dtls.SRTP_AEAD_AES_256_GCM:
		return srtp.ProtectionProfileAeadAes256Gcm, true
	case dtls.SRTP_AES128_CM_HMAC_SHA1_80:
		return srtp.ProtectionProfileAes128CmHmacSha1_80, true
	}
	return 0, false
}
