package sfu

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/packetio"
	"github.com/pion/transport/v5/stdnet"
	"github.com/pion/webrtc/v4"

	"visio/internal/udpsock"
)

// Config is the media configuration.
type Config struct {
	// UDPPort is the one UDP port all media uses (ICE UDP mux). 0 picks a free port per address.
	UDPPort int
	// TCPAddr, if set, is the address of the one TCP port for media when UDP does not get
	// through (ICE over TCP, passive candidates, multiplexed like the UDP port), such as
	// ":7881". Port 0 picks a free port. Empty: no ICE over TCP.
	TCPAddr string
	// RelayTransport, if set, names the relay a remote address belongs to ("turn/udp",
	// "turn/tcp", "turn/tls") or returns "" if it is no relay of this node's: for the count of
	// connections by transport.
	RelayTransport func(netip.AddrPort) string
	// PublicIPs are the addresses advertised to clients instead of the host's own, for a server
	// behind 1:1 NAT (a cloud VM with a public IP, for example).
	PublicIPs []string
	// IncludeLoopback also offers 127.0.0.1 as a candidate, so a browser on the same machine
	// connects even with no network interface up.
	IncludeLoopback bool
	// LoopbackOnly restricts ICE to the loopback interface and loopback peers: for tests, so
	// nothing leaves the machine.
	LoopbackOnly bool
}

// Engine builds peer connections that share one UDP port and one codec configuration.
type Engine struct {
	pubME   *webrtc.MediaEngine // publisher connections (copied by each)
	subME   *webrtc.MediaEngine // subscriber connections (copied by each)
	se      webrtc.SettingEngine
	mux     *ice.MultiUDPMuxDefault
	tcpMux  *ice.TCPMuxDefault // nil: no ICE over TCP
	probes  probes             // connection tests (probe.go)
	relayOf func(netip.AddrPort) string
	sockets *socketSet // the mux's sockets, for the direct send path (sendpath.go)
	rtcp    *rtcpLoop
	metrics *Metrics
	log     *slog.Logger
}

// NewEngine opens the media UDP port and prepares the WebRTC stack.
func NewEngine(cfg Config, metrics *Metrics, log *slog.Logger) (*Engine, error) {
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	pubME, subME := &webrtc.MediaEngine{}, &webrtc.MediaEngine{}
	if err := registerCodecs(pubME, true); err != nil {
		return nil, err
	}
	if err := registerCodecs(subME, false); err != nil {
		return nil, err
	}

	lf := slogFactory{log: log}
	stdNet, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	sockets := &socketSet{}
	opts := []ice.UDPMuxFromPortOption{
		ice.UDPMuxFromPortWithNet(mediaNet{Net: stdNet, onDrop: metrics.SendDrops.Inc, sockets: sockets}),
		// Room for bursts (a keyframe to every subscriber at once) before sends are dropped, and
		// for arrivals while the server is busy. The kernel caps both at net.core.wmem_max and
		// rmem_max (see OPERATIONS.md).
		ice.UDPMuxFromPortWithWriteBufferSize(socketBufferSize),
		ice.UDPMuxFromPortWithReadBufferSize(socketBufferSize),
		ice.UDPMuxFromPortWithNetworks(ice.NetworkTypeUDP4, ice.NetworkTypeUDP6),
		ice.UDPMuxFromPortWithLogger(lf.NewLogger("udpmux")),
	}
	if cfg.IncludeLoopback || cfg.LoopbackOnly {
		opts = append(opts, ice.UDPMuxFromPortWithLoopback())
	}
	if cfg.LoopbackOnly {
		opts = append(opts,
			ice.UDPMuxFromPortWithInterfaceFilter(isLoopbackInterface),
			ice.UDPMuxFromPortWithIPFilter(func(ip net.IP) bool { return ip.IsLoopback() }))
	}
	mux, err := ice.NewMultiUDPMuxFromPort(cfg.UDPPort, opts...)
	if err != nil {
		return nil, fmt.Errorf("open media UDP port %d: %w", cfg.UDPPort, err)
	}

	se := webrtc.SettingEngine{LoggerFactory: lf}
	se.SetICEUDPMux(mux)
	networks := []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
	tcpMux, err := openTCPMux(cfg, lf)
	if err != nil {
		_ = mux.Close()
		return nil, err
	}
	if tcpMux != nil {
		se.SetICETCPMux(tcpMux)
		networks = append(networks, webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6)
	}
	se.SetNetworkTypes(networks)
	se.SetIncludeLoopbackCandidate(cfg.IncludeLoopback || cfg.LoopbackOnly)
	if len(cfg.PublicIPs) > 0 {
		se.SetNAT1To1IPs(cfg.PublicIPs, webrtc.ICECandidateTypeHost)
	}
	if cfg.LoopbackOnly {
		se.SetInterfaceFilter(isLoopbackInterface)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		se.SetRemoteIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	}

	return &Engine{
		pubME: pubME, subME: subME, se: se, mux: mux, tcpMux: tcpMux, relayOf: cfg.RelayTransport,
		sockets: sockets, rtcp: newRTCPLoop(), metrics: metrics, log: log,
	}, nil
}

// socketBufferSize is the send and receive buffer asked for each media socket.
const socketBufferSize = 4 << 20

// mediaNet is the operating system's network, with the media sockets reading and sending through
// udpsock; onDrop counts the datagrams dropped because a socket's send buffer was full. The
// sockets opened are added to sockets.
type mediaNet struct {
	*stdnet.Net
	onDrop  func()
	sockets *socketSet
}

// ListenUDP opens a media socket.
func (n mediaNet) ListenUDP(network string, addr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := net.ListenUDP(network, addr)
	if err != nil {
		return nil, err
	}
	conn, err := udpsock.Wrap(c, n.onDrop)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	if a, ok := c.LocalAddr().(*net.UDPAddr); ok && n.sockets != nil {
		ap := a.AddrPort()
		n.sockets.add(netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), conn)
	}
	return conn, nil
}

// bufferFactory makes the buffer pion's SRTP session writes one SSRC's decrypted packets to.
type bufferFactory = func(kind packetio.BufferPacketType, ssrc uint32) io.ReadWriteCloser

// newConnection makes a peer connection whose decrypted packets go to the buffers buffers makes
// (streams.go). None of pion's interceptors: what they do per connection with goroutines and
// timers is done there, on the forwarding path and on the engine's one RTCP goroutine
// (receive.go, rtcp.go, bwe.go). If keys is not nil, it learns the connection's SRTP keys when
// the server is its DTLS server (dtlskeys.go).
func (e *Engine) newConnection(me *webrtc.MediaEngine, buffers bufferFactory, keys *keyCapture) (*webrtc.PeerConnection, error) {
	se := e.se
	se.BufferFactory = buffers
	if keys != nil {
		se.SetDTLSServerHelloMessageHook(keys.serverHello)
		se.SetDTLSKeyLogWriter(keys)
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(&interceptor.Registry{}), webrtc.WithSettingEngine(se))
	return api.NewPeerConnection(webrtc.Configuration{})
}

// initialBitrate is a new subscriber's bandwidth estimate before any feedback: enough for a few
// medium layers; the estimate then follows the link.
const initialBitrate = 1_500_000

// The bounds of a subscriber's bandwidth estimate.
const (
	minBitrate = 100_000
	maxBitrate = 50_000_000
)

// Addrs returns the local addresses of the media UDP port.
func (e *Engine) Addrs() []net.Addr { return e.mux.GetListenAddresses() }

// TCPAddr returns the local address of the media TCP port, or nil if there is no ICE over TCP.
func (e *Engine) TCPAddr() net.Addr {
	if e.tcpMux == nil {
		return nil
	}
	return e.tcpMux.LocalAddr()
}

// Close stops the RTCP work and releases the media ports. Close rooms first.
func (e *Engine) Close() error {
	e.probes.close()
	e.rtcp.close()
	err := e.mux.Close()
	if e.tcpMux != nil {
		err = errors.Join(err, e.tcpMux.Close())
	}
	return err
}

func isLoopbackInterface(name string) bool { return name == "lo" || name == "lo0" }

// registerCodecs offers Opus for audio and VP8 for video: every browser supports both, and
// forwarding one video codec means every subscriber can decode every publisher. Both
// connections use transport-wide congestion control: publishers get feedback from the server
// for their own estimate (audio and video), and the server estimates each subscriber's downlink
// from theirs, on video only: the estimate chooses video layers, and audio, a few tens of
// kilobits a second with nothing to step down to, would only multiply the feedback each
// subscriber sends (one packet every 100 ms, per subscriber, even in an audio-only meeting).
// publisher adds the simulcast header extensions.
func registerCodecs(me *webrtc.MediaEngine, publisher bool) error {
	videoFB := []webrtc.RTCPFeedback{
		{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"},
	}
	codecs := []struct {
		c webrtc.RTPCodecParameters
		t webrtc.RTPCodecType
	}{
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1",
		}, PayloadType: 111}, webrtc.RTPCodecTypeAudio},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFB,
		}, PayloadType: 96}, webrtc.RTPCodecTypeVideo},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: "apt=96",
		}, PayloadType: 97}, webrtc.RTPCodecTypeVideo},
	}
	for _, c := range codecs {
		if err := me.RegisterCodec(c.c, c.t); err != nil {
			return fmt.Errorf("register codec %s: %w", c.c.MimeType, err)
		}
	}
	exts := []struct {
		uri string
		t   webrtc.RTPCodecType
	}{
		{"urn:ietf:params:rtp-hdrext:sdes:mid", webrtc.RTPCodecTypeAudio},
		{"urn:ietf:params:rtp-hdrext:sdes:mid", webrtc.RTPCodecTypeVideo},
		{"urn:ietf:params:rtp-hdrext:ssrc-audio-level", webrtc.RTPCodecTypeAudio},
		{"urn:3gpp:video-orientation", webrtc.RTPCodecTypeVideo},
		{sdp.TransportCCURI, webrtc.RTPCodecTypeVideo},
	}
	if publisher {
		exts = append(exts, struct {
			uri string
			t   webrtc.RTPCodecType
		}{sdp.TransportCCURI, webrtc.RTPCodecTypeAudio})
	}
	for _, x := range exts {
		if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: x.uri}, x.t); err != nil {
			return fmt.Errorf("register header extension %s: %w", x.uri, err)
		}
	}
	if publisher {
		if err := webrtc.ConfigureSimulcastExtensionHeaders(me); err != nil {
			return fmt.Errorf("register simulcast header extensions: %w", err)
		}
	}
	// Ask for transport-wide feedback (a=rtcp-fb:... transport-cc): without it a browser sends
	// none and the estimator is blind.
	me.RegisterFeedback(webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC}, webrtc.RTPCodecTypeVideo)
	if publisher {
		me.RegisterFeedback(webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC}, webrtc.RTPCodecTypeAudio)
	}
	return nil
}
