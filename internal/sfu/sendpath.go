package sfu

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/srtp/v3"
	"github.com/pion/webrtc/v4"

	"visio/internal/udpsock"
)

// The send path of forwarded media. Through pion, each packet a subscriber gets crosses about ten
// layers after the forwarding code: the track writer, the RTP sender, the SRTP session (a lock,
// an SSRC lookup), the mux endpoint, the ICE connection (a closed check, the selected pair, a
// clock read), the candidate, the UDP mux (an address registry under a lock) and at last the
// socket. At tens of thousands of packets a second they cost as much as the encryption and the
// send themselves. So once a subscriber connection is up, its down tracks encrypt with the
// connection's SRTP context and send on the media socket of its selected ICE pair, as a bare
// relay does; pion keeps everything else (ICE, DTLS, RTCP, the packets that arrive).
//
// The SRTP keys are those pion derives from the DTLS handshake (dtlskeys.go). A connection whose
// keys or socket are not known (the server was the DTLS client, a relayed candidate) sends
// through pion.

// sendPath is where a subscriber connection's packets go: its SRTP keys and the socket and
// address of its selected ICE pair.
type sendPath struct {
	keys *srtpKeys
	conn *udpsock.Conn
	to   netip.AddrPort
}

// directSender is the send path of one subscriber connection. It is set up once the connection
// is connected, and follows the changes of its selected ICE pair.
type directSender struct {
	sockets *socketSet
	path    atomic.Pointer[sendPath] // nil: send through pion

	cryptex atomic.Bool // the subscriber accepts encrypted header extensions (RFC 9335)

	encMu      sync.Mutex    // guards the following fields
	enc        *srtp.Context // what the connection sends, all SSRCs
	encKeys    *srtpKeys     // the keys enc was made with
	encCryptex bool          // enc encrypts header extensions
	encHdr     rtp.Header    // scratch

	mu     sync.Mutex // guards the following fields
	keys   *srtpKeys  // what the server sends with; nil until the DTLS handshake tells
	pair   *webrtc.ICECandidatePair
	ready  bool // the connection is connected
	closed bool
}

func newDirectSender(sockets *socketSet) *directSender {
	return &directSender{sockets: sockets}
}

// setCryptex records whether the subscriber declared it accepts encrypted header extensions
// (RFC 9335): the send path then encrypts them, as pion does once that is negotiated.
func (s *directSender) setCryptex(on bool) { s.cryptex.Store(on) }

// declaresCryptex reports whether a session description declares RFC 9335 header extension
// encryption, for the session or a media section.
func declaresCryptex(desc string) bool {
	parsed := &sdp.SessionDescription{}
	if err := parsed.UnmarshalString(desc); err != nil {
		return false
	}
	if _, ok := parsed.Attribute(sdp.AttrKeyCryptex); ok {
		return true
	}
	for _, m := range parsed.MediaDescriptions {
		if _, ok := m.Attribute(sdp.AttrKeyCryptex); ok {
			return true
		}
	}
	return false
}

// setKeys takes the keys of a DTLS handshake (nil when a new one starts).
func (s *directSender) setKeys(k *srtpKeys) {
	s.mu.Lock()
	s.keys = k
	s.mu.Unlock()
	_ = s.update()
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
			return nil, netip.AddrPort{}, errors.New("local candidate address on several sockets")
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
		s.enc, s.encKeys, s.encCryptex = ctx, p.keys, false
	}
	if c := s.cryptex.Load(); c != s.encCryptex {
		mode := srtp.CryptexModeDisabled
		if c {
			mode = srtp.CryptexModeEnabled
		}
		if err := s.enc.UpdateOptions(srtp.Cryptex(mode)); err != nil {
			s.encMu.Unlock()
			return 0, err
		}
		s.encCryptex = c
	}
	out, err := s.enc.EncryptRTP(b[:0], b[:n], &s.encHdr) // in place
	s.encMu.Unlock()
	if err != nil {
		return 0, err
	}
	return p.conn.WriteToAddrPort(out, p.to)
}

var errPacketTooLarge = errors.New("RTP packet too large")
