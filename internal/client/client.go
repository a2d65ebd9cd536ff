// Package client is a headless visio participant: it speaks the signalling protocol over a
// WebSocket and sends and receives media with pion/webrtc. Tests and the load tester use it.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/logging"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	"golang.org/x/net/proxy"

	"visio/internal/signal"
)

// ErrClosed is returned after Close.
var ErrClosed = errors.New("client: closed")

// Options configure a client.
type Options struct {
	// Loopback restricts ICE to the loopback interface (tests on one machine).
	Loopback bool
	// OnTrack is called for every remote track received, with the track's server id.
	OnTrack func(trackID string, remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver)
	// OnEvent is called for every server message, decoded into its signal type (or *Layers,
	// *Speakers), in order.
	OnEvent func(msg any)
	// PublishOnly leaves the subscriber connection unanswered: the participant receives no
	// media (a load-test publisher that only sends).
	PublishOnly bool
	// OnRTCP, if set, is called with the RTCP the server sends about a published track (rid is
	// the simulcast layer, or ""), for example to answer a PLI with a keyframe.
	OnRTCP func(trackID, rid string, pkts []rtcp.Packet)
	// HTTP asks for the join token; its cookie jar carries a sign-in (see SignIn). Nil: join
	// as a guest named by Join's name.
	HTTP *http.Client
	// Token, if set, is the join token to use instead of asking for one.
	Token string
	// Reconnect makes the client come back by itself when its signalling is lost, as the
	// browser does (reconnect.go): it resumes its place, or, if its place is gone (the meeting's
	// node was lost), joins again as a new participant publishing the same tracks. While Join
	// waits in the lobby, a lost connection makes it knock again (its place in the queue is
	// kept by the node that takes the meeting over). A guest keeps its identity only if HTTP
	// has a cookie jar.
	Reconnect bool
	// OnReconnect, if set, is called after each reconnection: resumed says whether the place
	// was kept (false: a new participant).
	OnReconnect func(resumed bool)
	// ICE, if set, makes the peer connections with the ICE servers of the welcome (the TURN
	// servers and credentials the server hands out with the join) that ICE.Keep keeps, and
	// with ICE.Relay, relayed candidates only (as a browser with iceTransportPolicy "relay").
	ICE *ICEPolicy
}

// ICEPolicy chooses how a client uses the ICE servers of its welcome.
type ICEPolicy struct {
	// Keep reports whether to use the ICE server URL url; nil keeps every one.
	Keep func(url string) bool
	// Relay restricts the connections to relayed candidates.
	Relay bool
}

// Client is one participant.
type Client struct {
	base, code, name string
	opts             Options
	api              *webrtc.API
	pub, sub         *webrtc.PeerConnection

	mu       sync.Mutex // guards the following fields
	conn     *websocket.Conn
	cancel   context.CancelFunc
	readDone chan struct{}
	id       string
	token    string
	welcome  *signal.Welcome
	waited   bool // the server put the client in the lobby before any welcome

	joinToken string // set before connecting
	answerCh  chan string
	declared  []trackDecl
	local     []localTrack // what declared describes, to publish again after a rejoin
	closed    bool

	rc reconnector // reconnect.go
}

// trackDecl is a track entry of a publisher offer. Layers lists the simulcast RIDs of a track
// sent in simulcast (see docs/protocol.md).
type trackDecl struct {
	CID    string   `json:"cid"`
	Source string   `json:"source"`
	Layers []string `json:"layers,omitempty"`
}

// NewAPI returns a pion API for headless participants.
func NewAPI(loopback bool) (*webrtc.API, error) {
	return NewAPIWith(APIOptions{Loopback: loopback})
}

// APIOptions configure the pion API of headless participants.
type APIOptions struct {
	// Loopback restricts ICE to the loopback interface.
	Loopback bool
	// Counters, if set, counts the RTCP feedback (NACK, PLI, FIR) every connection made with
	// the API sends and receives.
	Counters *RTCPCounters
	// TCPOnly gathers TCP candidates only (active ICE over TCP, RFC 6544), as a browser whose
	// network blocks UDP ends up using.
	TCPOnly bool
	// TURNDialer, if set, opens the connections to TURN servers over TCP and TLS (turn:
	// ...?transport=tcp and turns: URLs); for turns: it must return the connection after its
	// TLS handshake. Tests use it to trust their own certificate authority.
	TURNDialer proxy.Dialer
	// OwnSenderReports leaves out pion's RTCP sender reports, which date each packet at its
	// sending: the caller sends its own, dated at capture as a browser's are (RTPSender's
	// Transport().WriteRTCP). Tests of lip sync use it.
	OwnSenderReports bool
}

// NewAPIWith returns a pion API for headless participants.
func NewAPIWith(o APIOptions) (*webrtc.API, error) {
	loopback := o.Loopback
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	for _, uri := range []string{"urn:ietf:params:rtp-hdrext:sdes:mid"} {
		for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
			if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: uri}, k); err != nil {
				return nil, err
			}
		}
	}
	ir := &interceptor.Registry{}
	if o.Counters != nil {
		ir.Add(o.Counters)
	}
	if o.OwnSenderReports {
		if err := registerInterceptorsWithoutSenderReports(me, ir); err != nil {
			return nil, err
		}
	} else if err := webrtc.RegisterDefaultInterceptors(me, ir); err != nil {
		return nil, err
	}
	// Stamp transport-wide sequence numbers on what is sent, as browsers do, so that the server
	// does its share of congestion control for publishers.
	if err := webrtc.ConfigureTWCCHeaderExtensionSender(me, ir); err != nil {
		return nil, err
	}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelError
	se := webrtc.SettingEngine{LoggerFactory: lf}
	if loopback {
		se.SetIncludeLoopbackCandidate(true)
		se.SetInterfaceFilter(func(n string) bool { return n == "lo" || n == "lo0" })
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	}
	if o.TCPOnly {
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeTCP4})
	}
	if o.TURNDialer != nil {
		se.SetICEProxyDialer(o.TURNDialer)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// CreateRoom creates a public meeting on the server at base (http://host:port) and returns
// its code. It signs in with the server's development sign-in (see SignIn), so it works only
// against a server without an identity provider or accounts configured; otherwise use
// CreateRoomWith with a signed-in client.
func CreateRoom(ctx context.Context, base string) (string, error) {
	hc, err := SignIn(ctx, base, "visio client", "client@visio.invalid")
	if err != nil {
		return "", err
	}
	defer hc.CloseIdleConnections()
	return CreateRoomWith(ctx, hc, base, "", "public")
}

// Join connects to meeting code on the server at base and waits for the welcome.
func Join(ctx context.Context, api *webrtc.API, base, code, name string, opts Options) (*Client, error) {
	c := &Client{base: base, code: code, name: name, opts: opts, api: api, answerCh: make(chan string, 1)}
	c.rc.init()
	if opts.ICE == nil {
		if err := c.makeConnections(webrtc.Configuration{}); err != nil {
			return nil, err
		}
	} // else: made on the welcome, with its ICE servers (readLoop)
	token := opts.Token
	if token == "" {
		t, err := RequestToken(ctx, opts.HTTP, base, code, name)
		if err != nil {
			c.Close()
			return nil, err
		}
		token = t.Token
	}
	c.joinToken = token
	if err := c.knock(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// makeConnections makes the publisher and subscriber connections.
func (c *Client) makeConnections(cfg webrtc.Configuration) error {
	pub, err := c.api.NewPeerConnection(cfg)
	if err != nil {
		return err
	}
	sub, err := c.api.NewPeerConnection(cfg)
	if err != nil {
		_ = pub.Close()
		return err
	}
	sub.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		if c.opts.OnTrack != nil {
			c.opts.OnTrack(t.StreamID(), t, r)
		}
	})
	c.mu.Lock()
	c.pub, c.sub = pub, sub
	c.mu.Unlock()
	return nil
}

// iceConfiguration is the configuration of peer connections made with the ICE servers of
// welcome w, as policy p chooses.
func iceConfiguration(w *signal.Welcome, p *ICEPolicy) webrtc.Configuration {
	var cfg webrtc.Configuration
	for _, s := range w.ICEServers {
		var urls []string
		for _, u := range s.URLs {
			if p.Keep == nil || p.Keep(u) {
				urls = append(urls, u)
			}
		}
		if len(urls) > 0 {
			cfg.ICEServers = append(cfg.ICEServers, webrtc.ICEServer{URLs: urls, Username: s.Username, Credential: s.Credential})
		}
	}
	if p.Relay {
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	return cfg
}

// ID returns the participant id the server gave.
func (c *Client) ID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.id
}

// Welcome returns the last welcome received.
func (c *Client) Welcome() *signal.Welcome {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.welcome
}

// connect opens the WebSocket, sends join (resuming with token if not empty) and waits for the
// welcome.
func (c *Client) connect(ctx context.Context, token string) error {
	url := "ws" + strings.TrimPrefix(c.base, "http") + "/api/v1/rooms/" + c.code + "/ws"
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{signal.Subprotocol}})
	if err != nil {
		return fmt.Errorf("dial %s: %w", url, err)
	}
	conn.SetReadLimit(1 << 20)
	welcomeCh := make(chan *signal.Welcome, 1)
	errCh := make(chan error, 1)
	rctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	c.mu.Lock()
	c.conn, c.cancel, c.readDone = conn, cancel, done
	c.mu.Unlock()
	go func() {
		defer close(done)
		c.readLoop(rctx, conn, welcomeCh, errCh)
		c.lost(conn)
	}()
	join := map[string]any{"type": "join", "resume_token": token}
	if token == "" {
		join = map[string]any{"type": "join", "token": c.joinToken}
	}
	if err := c.send(ctx, join); err != nil {
		return err
	}
	select {
	case w := <-welcomeCh:
		c.mu.Lock()
		c.id, c.token, c.welcome = w.Participant.ID, w.ResumeToken, w
		c.mu.Unlock()
		return nil
	case err := <-errCh:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) send(ctx context.Context, msg any) error {
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		return ErrClosed
	}
	return conn.Write(ctx, websocket.MessageText, data)
}

// SendRaw sends data as one text frame, for tests of bad input.
func (c *Client) SendRaw(ctx context.Context, data []byte) error {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	return conn.Write(ctx, websocket.MessageText, data)
}

func (c *Client) readLoop(ctx context.Context, conn *websocket.Conn, welcomeCh chan<- *signal.Welcome, errCh chan<- error) {
	welcomed := false
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			select {
			case errCh <- fmt.Errorf("signalling closed: %w", err):
			default:
			}
			return
		}
		msg, err := decodeServer(data)
		if err != nil {
			continue
		}
		switch m := msg.(type) {
		case *signal.Welcome:
			if welcomed && !m.Resumed {
				_ = c.moved(m) // moved to another room (breakout.go)
				break
			}
			welcomed = true
			// The connections are made before the server's offer, which follows the welcome.
			c.mu.Lock()
			need := c.pub == nil && c.opts.ICE != nil
			c.mu.Unlock()
			if need {
				if err := c.makeConnections(iceConfiguration(m, c.opts.ICE)); err != nil {
					select {
					case errCh <- fmt.Errorf("peer connections: %w", err):
					default:
					}
					return
				}
			}
			select {
			case welcomeCh <- m:
			default:
			}
		case *signal.SDPMessage:
			if m.Type == "answer" {
				select {
				case c.answerCh <- m.SDP:
				default:
				}
			} else if !c.opts.PublishOnly {
				c.answerOffer(ctx, m.SDP)
			}
		case *signal.LobbyWaiting:
			c.mu.Lock()
			c.waited = true
			c.mu.Unlock()
		case *signal.Denied:
			select {
			case errCh <- fmt.Errorf("%w: %s", ErrDenied, m.Reason):
			default:
			}
		case *signal.ErrorMessage:
			if m.Fatal {
				select {
				case errCh <- &ServerError{Code: m.Code, Message: m.Message}:
				default:
				}
			}
		}
		if c.opts.OnEvent != nil {
			c.opts.OnEvent(msg)
		}
	}
}

// answerOffer answers a subscriber offer.
func (c *Client) answerOffer(ctx context.Context, sdp string) {
	if err := c.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return
	}
	answer, err := c.sub.CreateAnswer(nil)
	if err != nil {
		return
	}
	local, err := setLocal(ctx, c.sub, answer)
	if err != nil {
		return
	}
	_ = c.send(ctx, map[string]any{"type": "answer", "sdp": local})
}

func setLocal(ctx context.Context, pc *webrtc.PeerConnection, d webrtc.SessionDescription) (string, error) {
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(d); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return pc.LocalDescription().SDP, nil
}

// AddTrack adds a local track of the given source to the publisher connection. Call Negotiate
// afterwards.
func (c *Client) AddTrack(t webrtc.TrackLocal, source string) (*webrtc.RTPSender, error) {
	tr, err := c.pub.AddTransceiverFromTrack(t, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.declared = append(c.declared, trackDecl{CID: t.ID(), Source: source})
	c.local = append(c.local, localTrack{track: t, source: source})
	c.mu.Unlock()
	sender := tr.Sender()
	go c.drainRTCP(sender, t.ID(), "")
	return sender, nil
}

// drainRTCP reads a sender's RTCP (for one simulcast layer if rid is not empty) until the
// connection closes, so that the interceptors see it, and passes it to Options.OnRTCP.
func (c *Client) drainRTCP(sender *webrtc.RTPSender, trackID, rid string) {
	for {
		var pkts []rtcp.Packet
		var err error
		if rid == "" {
			pkts, _, err = sender.ReadRTCP()
		} else {
			pkts, _, err = sender.ReadSimulcastRTCP(rid)
		}
		if err != nil {
			return
		}
		if c.opts.OnRTCP != nil {
			c.opts.OnRTCP(trackID, rid, pkts)
		}
	}
}

// Negotiate sends a publisher offer (restarting ICE if asked) and applies the answer.
func (c *Client) Negotiate(ctx context.Context, iceRestart bool) error {
	offer, err := c.pub.CreateOffer(&webrtc.OfferOptions{ICERestart: iceRestart})
	if err != nil {
		return err
	}
	sdp, err := setLocal(ctx, c.pub, offer)
	if err != nil {
		return err
	}
	c.mu.Lock()
	decl := append([]trackDecl(nil), c.declared...)
	c.mu.Unlock()
	select { // drop a stale answer
	case <-c.answerCh:
	default:
	}
	if err := c.send(ctx, map[string]any{"type": "offer", "sdp": sdp, "tracks": decl}); err != nil {
		return err
	}
	select {
	case answer := <-c.answerCh:
		return c.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer})
	case <-ctx.Done():
		return fmt.Errorf("waiting for answer: %w", ctx.Err())
	}
}

// SetMuted tells the server a source is muted or not.
func (c *Client) SetMuted(ctx context.Context, source string, muted bool) error {
	return c.send(ctx, map[string]any{"type": "mute", "source": source, "muted": muted})
}

// DropSignalling closes the WebSocket abruptly, as a network failure would, keeping media.
func (c *Client) DropSignalling() {
	c.mu.Lock()
	conn, cancel, done := c.conn, c.cancel, c.readDone
	c.conn = nil
	c.mu.Unlock()
	if conn != nil {
		_ = conn.CloseNow()
		cancel()
		<-done
	}
}

// Resume reconnects the signalling with the resume token and restarts ICE on the publisher.
func (c *Client) Resume(ctx context.Context) error {
	c.mu.Lock()
	token := c.token
	c.mu.Unlock()
	if err := c.connect(ctx, token); err != nil {
		return err
	}
	return c.Negotiate(ctx, true)
}

// Leave says goodbye and closes everything.
func (c *Client) Leave(ctx context.Context) {
	_ = c.send(ctx, map[string]any{"type": "leave"})
	c.Close()
}

// Close closes the WebSocket and both peer connections.
func (c *Client) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	pub, sub := c.pub, c.sub
	c.mu.Unlock()
	c.rc.stop()
	c.DropSignalling()
	if pub != nil {
		_ = pub.Close()
		_ = sub.Close()
	}
}

// decodeServer decodes a server message into its signal type.
func decodeServer(data []byte) (any, error) {
	var env struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, err
	}
	var msg any
	switch env.Type {
	case "welcome":
		msg = &signal.Welcome{}
	case "participant_joined", "participant_updated":
		msg = &signal.ParticipantEvent{}
	case "participant_left":
		msg = &signal.ParticipantLeft{}
	case "offer", "answer":
		msg = &signal.SDPMessage{}
	case "pong":
		msg = &signal.Pong{}
	case "error":
		msg = &signal.ErrorMessage{}
	case "bye":
		msg = &signal.Bye{}
	case "lobby":
		msg = &signal.LobbyWaiting{}
	case "denied":
		msg = &signal.Denied{}
	case "lobby_request":
		msg = &signal.LobbyRequestJSON{}
	case "lobby_update":
		msg = &signal.LobbyUpdate{}
	case "moderation":
		msg = &signal.Moderation{}
	case "room_updated":
		msg = &signal.RoomUpdated{}
	case "layers":
		msg = &Layers{}
	case "speakers":
		msg = &Speakers{}
	case "transcription_state":
		msg = &signal.TranscriptionState{}
	case "caption":
		msg = &signal.Caption{}
	case "recording_state":
		msg = &signal.RecordingState{}
	case "hands":
		msg = &signal.HandsMessage{}
	case "reaction":
		msg = &signal.Reaction{}
	case "breakout_state":
		msg = &signal.BreakoutState{}
	case "breakout_ending":
		msg = &signal.BreakoutEnding{}
	case "breakout_message":
		msg = &signal.BreakoutMessageJSON{}
	case "chat":
		msg = &signal.ChatMessageJSON{}
	case "chat_state":
		msg = &signal.ChatStateJSON{}
	default:
		return nil, fmt.Errorf("unknown server message %q", env.Type)
	}
	if err := json.Unmarshal(data, msg); err != nil {
		return nil, err
	}
	return msg, nil
}

// registerInterceptorsWithoutSenderReports registers pion's default interceptors but its
// sender reports (webrtc.RegisterDefaultInterceptors less report.NewSenderInterceptor).
func registerInterceptorsWithoutSenderReports(me *webrtc.MediaEngine, ir *interceptor.Registry) error {
	if err := webrtc.ConfigureNack(me, ir); err != nil {
		return err
	}
	rr, err := report.NewReceiverInterceptor()
	if err != nil {
		return err
	}
	ir.Add(rr)
	if err := webrtc.ConfigureSimulcastExtensionHeaders(me); err != nil {
		return err
	}
	if err := webrtc.ConfigureStatsInterceptor(ir); err != nil {
		return err
	}
	return webrtc.ConfigureTWCCSender(me, ir)
}
