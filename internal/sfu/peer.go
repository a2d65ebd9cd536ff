package sfu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"visio/internal/ids"
)

// Target names one of a participant's two peer connections.
type Target string

// The two peer connections of a participant.
const (
	TargetPublisher  Target = "publisher"
	TargetSubscriber Target = "subscriber"
)

// gatherTimeout bounds the wait for local ICE candidates. With the UDP mux and no STUN server
// the candidates are known at once; the server sends them inside the SDP.
const gatherTimeout = 3 * time.Second

// maxPendingCandidates bounds the remote candidates kept until a remote description arrives.
const maxPendingCandidates = 64

// MaxTracksPerPeer is how many tracks one participant may publish at once.
const MaxTracksPerPeer = 4

// PeerHandler receives a peer's events. Calls come from any goroutine and must not block.
type PeerHandler interface {
	// OnOffer is called with a subscriber-connection offer to send to the client.
	OnOffer(sdp string)
	// OnTracksChanged is called when the peer's published tracks or their mute state change.
	OnTracksChanged()
	// OnLayers is called when the set of simulcast layers of one of the peer's tracks that
	// subscribers need changes: the client should send only those.
	OnLayers(trackID string, rids []string)
}

// DeclaredTrack is what a client says about a track it is about to send.
type DeclaredTrack struct {
	CID    string // the browser's MediaStreamTrack.id, found in the SDP msid
	Source Source
	Layers []string // simulcast RIDs the client encodes, when it sends simulcast
}

// Peer is one participant's media: a publisher and a subscriber peer connection.
type Peer struct {
	id      string
	room    *Room
	handler PeerHandler
	pub     *webrtc.PeerConnection
	sub     *webrtc.PeerConnection
	metrics *Metrics
	log     *slog.Logger
	wg      sync.WaitGroup // forwarding goroutines
	alloc   *allocator     // used by the engine's RTCP goroutine only
	kicked  atomic.Bool    // an allocation is due at the next RTCP tick

	// Transport-level RTCP (receive.go, rtcp.go).
	feedback *pubFeedback  // publisher connection: arrival times for transport-wide feedback
	twcc     *twccSender   // subscriber connection: send times, feedback and the estimate
	out      *directSender // subscriber connection: the send path of forwarded packets
	rtcpSSRC uint32        // sender SSRC of the server's RTCP
	routes   routes        // SSRCs to down tracks and layers, for incoming RTCP (streams.go)
	// Scratch of the subscriber connection's SRTCP read goroutine.
	fbScratch rtcp.TransportLayerCC
	// Scratch space of the engine's RTCP goroutine.
	rtcpBuf  []rtcp.Packet
	trackBuf []*publishedTrack
	downBuf  []*DownTrack
	allocBuf []*DownTrack
	seqBuf   []uint16

	mu           sync.Mutex      // guards the following fields
	canPublish   map[Source]bool // nil: every source
	canSubscribe bool
	declared     map[string]DeclaredTrack
	muted        map[Source]bool
	published    map[string]*publishedTrack
	byReceiver   map[*webrtc.RTPReceiver]*publishedTrack
	pubCands     candidateBudget // remote candidates on the publisher connection (limits.go)
	closed       bool

	negMu       sync.Mutex // guards the subscriber negotiation fields below; taken before mu
	subs        map[string]*subscription
	negotiating bool // an offer was sent and no answer came back yet
	pending     bool // something changed while negotiating: offer again after the answer
	restart     bool // the next offer restarts ICE
	subClosed   bool
	pendingCand []webrtc.ICECandidateInit
	subCands    candidateBudget       // remote candidates on the subscriber connection
	prefs       map[string]preference // how the client shows each track, by track id
}

// preference is how a subscriber shows one video track.
type preference struct {
	visible       bool
	width, height int
}

// maxPreferences bounds the preferences kept for tracks not (yet) subscribed.
const maxPreferences = 256

type subscription struct {
	track  *publishedTrack
	down   *DownTrack
	sender *webrtc.RTPSender
	ssrc   uint32 // the sender's, routed to down for incoming RTCP
}

// NewPeer creates the peer connections of participant id. Call Start to receive the room's
// tracks.
func (r *Room) NewPeer(id string, h PeerHandler) (*Peer, error) {
	p := &Peer{
		id:           id,
		room:         r,
		handler:      h,
		metrics:      r.metrics,
		log:          r.log.With("participant", id),
		declared:     make(map[string]DeclaredTrack),
		canSubscribe: true,
		muted:        make(map[Source]bool),
		published:    make(map[string]*publishedTrack),
		byReceiver:   make(map[*webrtc.RTPReceiver]*publishedTrack),
		subs:         make(map[string]*subscription),
		prefs:        make(map[string]preference),
		feedback:     newPubFeedback(),
		twcc:         newTWCCSender(initialBitrate, minBitrate, maxBitrate),
		out:          newDirectSender(r.engine.sockets),
		rtcpSSRC:     randomSSRC(),
		routes:       routes{downs: make(map[uint32]*DownTrack), layers: make(map[uint32]*layer)},
	}
	var err error
	if p.pub, err = r.engine.newConnection(r.engine.pubME, p.publisherBuffers, nil); err != nil {
		return nil, fmt.Errorf("new publisher connection: %w", err)
	}
	if p.sub, err = r.engine.newConnection(r.engine.subME, p.subscriberBuffers, &keyCapture{onKeys: p.out.setKeys}); err != nil {
		_ = p.pub.Close()
		return nil, fmt.Errorf("new subscriber connection: %w", err)
	}
	p.alloc = newAllocator(p.twcc, p.log)
	r.metrics.PeerConnections.Add(2)
	p.pub.OnTrack(p.onTrack)
	p.pub.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		p.log.Debug("publisher connection", "state", s.String())
		if s == webrtc.PeerConnectionStateConnected {
			r.engine.countConnection(p.pub)
		}
	})
	p.sub.SCTP().Transport().ICETransport().OnSelectedCandidatePairChange(p.out.pairChanged)
	p.sub.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		p.log.Debug("subscriber connection", "state", s.String())
		p.twcc.setConnected(s == webrtc.PeerConnectionStateConnected)
		switch s {
		case webrtc.PeerConnectionStateConnected:
			r.engine.countConnection(p.sub)
			// The pair's change is notified on another goroutine: take the current one now.
			if pair, err := p.sub.SCTP().Transport().ICETransport().GetSelectedCandidatePair(); err == nil && pair != nil {
				p.out.pairChanged(pair)
			}
			if err := p.out.connected(); err != nil {
				p.metrics.SendPaths.WithLabelValues("pion").Inc()
				p.log.Info("forwarded media sent through pion", "reason", err)
			} else {
				p.metrics.SendPaths.WithLabelValues("direct").Inc()
				p.log.Debug("forwarded media sent directly")
			}
		case webrtc.PeerConnectionStateFailed:
			p.RestartICE()
		case webrtc.PeerConnectionStateClosed:
			p.out.close()
		}
	})
	return p, nil
}

// Start adds the peer to its room and subscribes it to the tracks already published: from then
// on the handler receives subscriber offers.
func (p *Peer) Start() error {
	if err := p.room.addPeer(p); err != nil {
		return err
	}
	p.room.engine.rtcp.add(p)
	return nil
}

// allocate chooses the layers this peer receives. The engine's RTCP goroutine calls it every
// allocInterval, and at its next tick after kickAlloc.
func (p *Peer) allocate(now time.Time) {
	p.negMu.Lock()
	downs := p.allocBuf[:0]
	for _, s := range p.subs {
		downs = append(downs, s.down)
	}
	p.negMu.Unlock()
	p.alloc.allocate(downs, now)
	clear(downs)
	p.allocBuf = downs
}

// kickAlloc asks for an allocation at the next RTCP tick, after a change of subscriptions or of
// how the client shows them.
func (p *Peer) kickAlloc() { p.kicked.Store(true) }

// SetSubscription records how the client shows a remote video track: not at all (visible false),
// or at w x h device pixels. The layer it receives follows.
func (p *Peer) SetSubscription(trackID string, visible bool, w, h int) {
	if trackID == "" || len(trackID) > maxTrackIDLen {
		return // no track has such an id: nothing to keep
	}
	p.negMu.Lock()
	pref := preference{visible: visible, width: w, height: h}
	if _, ok := p.prefs[trackID]; ok || len(p.prefs) < maxPreferences {
		p.prefs[trackID] = pref
	}
	s := p.subs[trackID]
	p.negMu.Unlock()
	if s != nil {
		s.down.setPreference(visible, w, h)
	}
	p.kickAlloc()
}

// ID returns the participant id.
func (p *Peer) ID() string { return p.id }

// HandleOffer applies a publisher offer and returns the answer, with the server's candidates in
// it. tracks declares every track the offer sends (the declarations of earlier offers are
// replaced). A refused offer leaves nothing behind: the declarations are kept only once the
// offer is applied, and an offer that would take the connection past the limits of limits.go
// is refused before pion sees it.
func (p *Peer) HandleOffer(ctx context.Context, sdp string, tracks []DeclaredTrack) (string, error) {
	if err := validateDeclared(tracks); err != nil {
		return "", err
	}
	desc, err := parseRemote(sdp)
	if err != nil {
		return "", err
	}
	have := make([]string, 0, 8)
	for _, tr := range p.pub.GetTransceivers() {
		have = append(have, tr.Mid())
	}
	if n := countNewMids(have, desc.mids); n > maxPublisherSections {
		return "", fmt.Errorf("%w: %d media sections on the publisher connection, at most %d", ErrBadSDP, n, maxPublisherSections)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return "", ErrClosed
	}
	budget, ok := p.pubCands.admit(desc.ufrag, desc.candidates)
	p.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("%w: more than %d candidates without an ICE restart", ErrBadCandidate, maxRemoteCandidates)
	}

	if err := p.pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	declared := make(map[string]DeclaredTrack, len(tracks))
	for _, t := range tracks {
		t.Layers = append([]string(nil), t.Layers...)
		declared[t.CID] = t
	}
	p.mu.Lock()
	p.declared, p.pubCands = declared, budget
	p.mu.Unlock()
	for _, tr := range p.pub.GetTransceivers() {
		if r := tr.Receiver(); r != nil {
			p.feedback.setExtensions(r.GetParameters().HeaderExtensions)
		}
	}
	answer, err := p.pub.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%w: create answer: %v", ErrBadSDP, err)
	}
	return p.setLocal(ctx, p.pub, answer)
}

// setLocal applies a local description and waits until its candidates are gathered.
func (p *Peer) setLocal(ctx context.Context, pc *webrtc.PeerConnection, d webrtc.SessionDescription) (string, error) {
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(d); err != nil {
		return "", fmt.Errorf("%w: set local description: %v", ErrBadSDP, err)
	}
	ctx, cancel := context.WithTimeout(ctx, gatherTimeout)
	defer cancel()
	select {
	case <-gathered:
	case <-ctx.Done():
		p.log.Warn("ICE gathering did not complete in time; sending the candidates found so far")
	}
	return pc.LocalDescription().SDP, nil
}

// HandleAnswer applies the client's answer to the last subscriber offer.
func (p *Peer) HandleAnswer(sdp string) error {
	p.negMu.Lock()
	defer p.negMu.Unlock()
	if p.subClosed {
		return ErrClosed
	}
	if !p.negotiating {
		return fmt.Errorf("%w: no offer is waiting for an answer", ErrBadSDP)
	}
	desc, err := parseRemote(sdp)
	if err != nil {
		return err
	}
	budget, ok := p.subCands.admit(desc.ufrag, desc.candidates)
	if !ok {
		return fmt.Errorf("%w: more than %d candidates without an ICE restart", ErrBadCandidate, maxRemoteCandidates)
	}
	if err := p.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	p.out.setCryptex(declaresCryptex(sdp))
	p.subCands = budget
	p.negotiating = false
	for _, c := range p.pendingCand {
		next, ok := p.subCands.admit(p.subCands.ufrag, 1)
		if !ok {
			p.log.Debug("queued candidate refused", "err", "too many candidates")
			continue
		}
		p.subCands = next
		if err := p.sub.AddICECandidate(c); err != nil {
			p.log.Debug("queued candidate refused", "err", err)
		}
	}
	p.pendingCand = nil
	if p.pending {
		p.pending = false
		p.negotiateLocked()
	}
	return nil
}

// AddCandidate adds a remote ICE candidate to one of the two connections. At most
// maxRemoteCandidates are accepted per connection between two ICE restarts.
func (p *Peer) AddCandidate(target Target, c webrtc.ICECandidateInit) error {
	if err := checkCandidateText(c.Candidate, c.SDPMid, c.UsernameFragment); err != nil {
		return err
	}
	switch target {
	case TargetPublisher:
		rd := p.pub.RemoteDescription()
		if rd == nil {
			return fmt.Errorf("%w: no publisher offer yet", ErrBadCandidate)
		}
		p.mu.Lock()
		budget, ok := p.pubCands.admit(p.pubCands.ufrag, 1)
		if ok {
			p.pubCands = budget
		}
		p.mu.Unlock()
		if !ok {
			return fmt.Errorf("%w: more than %d candidates without an ICE restart", ErrBadCandidate, maxRemoteCandidates)
		}
		if err := p.pub.AddICECandidate(c); err != nil {
			return fmt.Errorf("%w: %v", ErrBadCandidate, err)
		}
		return nil
	case TargetSubscriber:
		p.negMu.Lock()
		defer p.negMu.Unlock()
		if p.sub.RemoteDescription() == nil || p.negotiating {
			if len(p.pendingCand) >= maxPendingCandidates {
				return fmt.Errorf("%w: too many candidates", ErrBadCandidate)
			}
			p.pendingCand = append(p.pendingCand, c)
			return nil
		}
		budget, ok := p.subCands.admit(p.subCands.ufrag, 1)
		if !ok {
			return fmt.Errorf("%w: more than %d candidates without an ICE restart", ErrBadCandidate, maxRemoteCandidates)
		}
		p.subCands = budget
		if err := p.sub.AddICECandidate(c); err != nil {
			return fmt.Errorf("%w: %v", ErrBadCandidate, err)
		}
		return nil
	}
	return fmt.Errorf("%w: unknown target %q", ErrBadCandidate, target)
}

// SetPermissions says what the participant may do, whatever its client does: publish the given
// sources (nil: all), and receive others' media. Tracks of a source it may not publish are
// received but forwarded to nobody; a participant that may not subscribe gets no packets.
func (p *Peer) SetPermissions(canPublish map[Source]bool, canSubscribe bool) {
	p.mu.Lock()
	if canPublish != nil {
		cp := make(map[Source]bool, len(canPublish))
		for k, v := range canPublish {
			cp[k] = v
		}
		canPublish = cp
	}
	p.canPublish, p.canSubscribe = canPublish, canSubscribe
	for _, t := range p.published {
		t.blocked.Store(canPublish != nil && !canPublish[t.source])
	}
	p.mu.Unlock()
	p.negMu.Lock()
	downs := make([]*DownTrack, 0, len(p.subs))
	for _, s := range p.subs {
		downs = append(downs, s.down)
	}
	p.negMu.Unlock()
	for _, d := range downs {
		d.setBlocked(!canSubscribe)
	}
	p.handler.OnTracksChanged()
}

// SetMuted starts or stops forwarding the peer's tracks of one source. The state is kept for a
// track of that source published later.
func (p *Peer) SetMuted(source Source, muted bool) {
	if !source.Valid() {
		return // no track has such a source: nothing to keep
	}
	p.mu.Lock()
	p.muted[source] = muted
	changed := false
	for _, t := range p.published {
		if t.source == source && t.setMuted(muted) {
			changed = true
		}
	}
	p.mu.Unlock()
	if changed {
		p.handler.OnTracksChanged()
	}
}

// Tracks lists the tracks the peer publishes, in source order.
func (p *Peer) Tracks() []TrackInfo {
	p.mu.Lock()
	list := make([]TrackInfo, 0, len(p.published))
	for _, t := range p.published {
		list = append(list, t.info())
	}
	p.mu.Unlock()
	sort.Slice(list, func(i, j int) bool {
		if list[i].Source != list[j].Source {
			return list[i].Source < list[j].Source
		}
		return list[i].ID < list[j].ID
	})
	return list
}

// Resume is called when the client comes back on a new signalling connection: the offer it may
// have missed is sent again, and the subscriber connection restarts ICE.
func (p *Peer) Resume() {
	p.negMu.Lock()
	defer p.negMu.Unlock()
	if p.subClosed {
		return
	}
	switch {
	case p.negotiating:
		if ld := p.sub.LocalDescription(); ld != nil {
			p.handler.OnOffer(ld.SDP)
		}
		p.restart = true
		p.pending = true
	case p.sub.RemoteDescription() != nil:
		p.restart = true
		p.negotiateLocked()
	}
}

// RestartICE restarts ICE on the subscriber connection.
func (p *Peer) RestartICE() {
	p.negMu.Lock()
	defer p.negMu.Unlock()
	if p.sub.RemoteDescription() == nil {
		return
	}
	p.restart = true
	p.negotiateLocked()
}

// negotiateLocked sends a new subscriber offer, or marks one as due after the answer to the
// offer in flight. p.negMu must be held.
func (p *Peer) negotiateLocked() {
	if p.subClosed {
		return
	}
	if p.negotiating {
		p.pending = true
		return
	}
	offer, err := p.sub.CreateOffer(&webrtc.OfferOptions{ICERestart: p.restart})
	if errors.Is(err, webrtc.ErrConnectionClosed) {
		return // the participant is leaving; nothing to negotiate
	}
	if err != nil {
		p.log.Error("create subscriber offer", "err", err)
		return
	}
	p.restart = false
	sdp, err := p.setLocal(context.Background(), p.sub, offer)
	if err != nil {
		p.log.Error("set subscriber offer", "err", err)
		return
	}
	p.negotiating = true
	p.handler.OnOffer(sdp)
}

// subscribe starts forwarding t to this peer.
func (p *Peer) subscribe(t *publishedTrack) {
	p.negMu.Lock()
	defer p.negMu.Unlock()
	if p.subClosed || p.subs[t.id] != nil {
		return
	}
	var d *DownTrack
	d = newDownTrack(t, p.twcc, p.out, func() { t.requestKeyframe(d.targetLayer()) })
	d.listener = p.id
	p.mu.Lock()
	d.blocked = !p.canSubscribe
	p.mu.Unlock()
	if pref, ok := p.prefs[t.id]; ok {
		d.setPreference(pref.visible, pref.width, pref.height)
	}
	if !t.addDown(d) {
		return
	}
	sender, err := p.sub.AddTrack(d)
	if err != nil {
		t.removeDown(d)
		p.log.Error("add down track", "track", t.id, "err", err)
		return
	}
	s := &subscription{track: t, down: d, sender: sender}
	if enc := sender.GetParameters().Encodings; len(enc) > 0 {
		s.ssrc = uint32(enc[0].SSRC)
		p.routeDown(s.ssrc, d)
	}
	p.subs[t.id] = s
	p.kickAlloc()
	p.negotiateLocked()
}

// unsubscribe stops forwarding t to this peer.
func (p *Peer) unsubscribe(t *publishedTrack) {
	p.negMu.Lock()
	defer p.negMu.Unlock()
	s := p.subs[t.id]
	if s == nil {
		return
	}
	delete(p.subs, t.id)
	delete(p.prefs, t.id)
	t.removeDown(s.down)
	p.routeDown(s.ssrc, nil)
	if p.subClosed {
		return
	}
	if err := p.sub.RemoveTrack(s.sender); err != nil {
		p.log.Debug("remove down track", "track", t.id, "err", err)
	}
	p.negotiateLocked()
}

// onTrack is called by pion when the first packet of a publisher track (or of one simulcast
// layer of it) arrives.
func (p *Peer) onTrack(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	t, isNew := p.byReceiver[receiver], false
	if t == nil {
		decl, ok := p.declared[remote.ID()]
		if !ok {
			decl.Source = p.inferSourceLocked(remote.Kind())
			p.log.Warn("track was not declared in the offer; guessing its source", "cid", remote.ID(), "source", decl.Source)
		}
		source := decl.Source
		t = newPublishedTrack(ids.New("TR_"), p.id, source, remote, receiver.GetParameters().HeaderExtensions)
		if t.simulcast {
			t.declareLayers(decl.Layers)
		}
		t.metrics, t.log = p.metrics, p.log
		t.sendPLI = func(ssrc uint32) {
			_ = p.pub.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{SenderSSRC: p.rtcpSSRC, MediaSSRC: ssrc}})
		}
		t.sendNACK = func(ssrc uint32, seqs []uint16) {
			_ = p.pub.WriteRTCP([]rtcp.Packet{nackPacket(p.rtcpSSRC, ssrc, seqs)})
		}
		// The room's taps, set before any layer's forwarding goroutine starts: the layers of a
		// simulcast track arrive on goroutines of their own, and one may forward before the
		// track is published.
		t.tap = &p.room.tap
		t.muted.Store(p.muted[source])
		t.blocked.Store(p.canPublish != nil && !p.canPublish[source])
		p.published[t.id] = t
		p.byReceiver[receiver] = t
		isNew = true
	}
	l, ok := t.addLayer(remote)
	if !ok {
		p.mu.Unlock()
		p.log.Warn("unexpected stream on a published track", "track", t.id, "rid", remote.RID())
		return
	}
	p.wg.Add(1)
	p.mu.Unlock()
	p.routeLayer(l.recv.ssrc, l)

	if isNew {
		p.log.Info("track published", "track", t.id, "source", t.source, "codec", t.codec.MimeType, "simulcast", t.simulcast)
		p.room.publish(t)
	} else {
		p.log.Debug("simulcast layer added", "track", t.id, "rid", remote.RID())
	}
	p.handler.OnTracksChanged()
	for _, d := range t.downList() {
		if d.targetLayer() == l.idx {
			t.requestKeyframe(l.idx)
		}
	}

	go func() {
		defer p.wg.Done()
		t.forward(l)
		p.routeLayer(l.recv.ssrc, nil)
		if !t.removeLayer(l) {
			p.handler.OnTracksChanged()
			return
		}
		p.mu.Lock()
		delete(p.published, t.id)
		delete(p.byReceiver, receiver)
		closed := p.closed
		p.mu.Unlock()
		p.room.unpublish(t)
		p.log.Info("track ended", "track", t.id, "source", t.source)
		if !closed {
			p.handler.OnTracksChanged()
		}
	}()
}

// inferSourceLocked guesses the source of an undeclared track. p.mu must be held.
func (p *Peer) inferSourceLocked(kind webrtc.RTPCodecType) Source {
	if kind == webrtc.RTPCodecTypeAudio {
		return SourceMicrophone
	}
	for _, t := range p.published {
		if t.source == SourceCamera {
			return SourceScreen
		}
	}
	return SourceCamera
}

// Close closes both connections, stops forwarding to and from the peer, and waits for its
// goroutines. It is safe to call more than once.
func (p *Peer) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()

	p.negMu.Lock()
	p.subClosed = true
	subs := p.subs
	p.subs = map[string]*subscription{}
	p.negMu.Unlock()
	for _, s := range subs {
		s.track.removeDown(s.down)
	}

	p.room.removePeer(p)
	p.room.engine.rtcp.remove(p)
	if err := p.pub.Close(); err != nil {
		p.log.Debug("close publisher connection", "err", err)
	}
	if err := p.sub.Close(); err != nil {
		p.log.Debug("close subscriber connection", "err", err)
	}
	p.out.close()
	p.metrics.PeerConnections.Sub(2)
	p.wg.Wait()
}
