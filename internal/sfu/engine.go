package sfu

import (
	"fmt"
	"log/slog"
	"net"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/webrtc/v4"
)

// Config is the media configuration.
type Config struct {
	// UDPPort is the one UDP port all media uses (ICE UDP mux). 0 picks a free port per address.
	UDPPort int
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
	api     *webrtc.API // publisher connections
	se      webrtc.SettingEngine
	mux     *ice.MultiUDPMuxDefault
	metrics *Metrics
	log     *slog.Logger
}

// NewEngine opens the media UDP port and prepares the WebRTC stack.
func NewEngine(cfg Config, metrics *Metrics, log *slog.Logger) (*Engine, error) {
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	me := &webrtc.MediaEngine{}
	if err := registerCodecs(me); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, ir); err != nil {
		return nil, fmt.Errorf("register interceptors: %w", err)
	}

	lf := slogFactory{log: log}
	opts := []ice.UDPMuxFromPortOption{
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
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
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

	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	return &Engine{api: api, se: se, mux: mux, metrics: metrics, log: log}, nil
}

// newSubscriberConnection makes a subscriber peer connection with its own bandwidth estimator:
// send-side estimation (Google congestion control) from the transport-wide congestion control
// feedback the subscriber returns. Each connection needs its own interceptor registry, hence its
// own API.
func (e *Engine) newSubscriberConnection() (*webrtc.PeerConnection, cc.BandwidthEstimator, error) {
	me := &webrtc.MediaEngine{}
	if err := registerCodecs(me); err != nil {
		return nil, nil, err
	}
	ir := &interceptor.Registry{}
	// No NACK responder interceptor: subscribers' NACKs are answered from each layer's shared
	// packet cache (cache.go), one copy per packet instead of one per subscriber.
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, nil, err
	}
	estimators := make(chan cc.BandwidthEstimator, 1)
	ccf, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
		return gcc.NewSendSideBWE(
			gcc.SendSideBWEInitialBitrate(initialBitrate),
			gcc.SendSideBWEMinBitrate(100_000),
			gcc.SendSideBWEMaxBitrate(50_000_000),
			gcc.SendSideBWEPacer(gcc.NewNoOpPacer()),
		)
	})
	if err != nil {
		return nil, nil, err
	}
	ccf.OnNewPeerConnection(func(_ string, est cc.BandwidthEstimator) { estimators <- est })
	// Interceptors added later wrap the earlier ones: the transport-wide sequence number must be
	// set before the estimator records the packet.
	ir.Add(ccf)
	if err := webrtc.ConfigureTWCCHeaderExtensionSender(me, ir); err != nil {
		return nil, nil, err
	}
	// Ask subscribers for transport-wide feedback (a=rtcp-fb:... transport-cc): without it a
	// browser sends none and the estimator is blind.
	me.RegisterFeedback(webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC}, webrtc.RTPCodecTypeVideo)
	me.RegisterFeedback(webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC}, webrtc.RTPCodecTypeAudio)
	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(e.se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, nil, err
	}
	select {
	case est := <-estimators:
		return pc, est, nil
	default:
		return pc, nil, nil
	}
}

// initialBitrate is a new subscriber's bandwidth estimate before any feedback: enough for a few
// medium layers; the estimate then follows the link.
const initialBitrate = 1_500_000

// Addrs returns the local addresses of the media UDP port.
func (e *Engine) Addrs() []net.Addr { return e.mux.GetListenAddresses() }

// Close releases the media UDP port. Close rooms first.
func (e *Engine) Close() error { return e.mux.Close() }

func isLoopbackInterface(name string) bool { return name == "lo" || name == "lo0" }

// registerCodecs offers Opus for audio and VP8 for video: every browser supports both, and
// forwarding one video codec means every subscriber can decode every publisher.
func registerCodecs(me *webrtc.MediaEngine) error {
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
	}
	for _, x := range exts {
		if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: x.uri}, x.t); err != nil {
			return fmt.Errorf("register header extension %s: %w", x.uri, err)
		}
	}
	return nil
}
