package sfu

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// Connection tests. The web app's connection test page checks whether a browser reaches the
// media ports over UDP, over TCP, and through the relay: for each, it offers a peer connection
// with one data channel, the server answers with candidates of that one kind, and whatever
// arrives on the channel is echoed back, which gives the round-trip time. A probe lives
// probeLifetime at most.

// The networks a probe may be restricted to.
const (
	ProbeUDP = "udp"
	ProbeTCP = "tcp"
)

// ErrProbeBusy is a connection test refused because maxProbes are running.
var ErrProbeBusy = errors.New("sfu: too many connection tests running")

// ErrProbeNetwork is a connection test asked for a network the server does not offer.
var ErrProbeNetwork = errors.New("sfu: no such network for a connection test")

const (
	probeLifetime = 30 * time.Second
	maxProbes     = 32
	maxEcho       = 1024 // bytes of a data channel message echoed
)

// probes are the connection tests running.
type probes struct {
	mu     sync.Mutex // guards the following fields
	open   map[*webrtc.PeerConnection]*time.Timer
	closed bool
}

// Probe answers offer, a connection test's offer, with candidates on network only (ProbeUDP or
// ProbeTCP), and echoes what the browser sends on its data channels.
func (e *Engine) Probe(ctx context.Context, network, offer string) (string, error) {
	// The other port's mux is left out, not only its candidates: a mux hands a connection
	// whatever check arrives with its user name, which would let the browser in by the other way.
	se := e.se
	switch network {
	case ProbeUDP:
		se.SetICETCPMux(nil)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	case ProbeTCP:
		if e.tcpMux == nil {
			return "", fmt.Errorf("%w: %s (ICE over TCP is off)", ErrProbeNetwork, network)
		}
		se.SetICEUDPMux(nil)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6})
	default:
		return "", fmt.Errorf("%w: %q", ErrProbeNetwork, network)
	}
	api := webrtc.NewAPI(webrtc.WithMediaEngine(&webrtc.MediaEngine{}), webrtc.WithInterceptorRegistry(&interceptor.Registry{}), webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return "", err
	}
	if !e.probes.add(pc) {
		_ = pc.Close()
		return "", ErrProbeBusy
	}
	fail := func(err error) (string, error) {
		e.probes.remove(pc)
		return "", err
	}
	pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnMessage(func(m webrtc.DataChannelMessage) {
			if len(m.Data) > maxEcho {
				return
			}
			if m.IsString {
				_ = dc.SendText(string(m.Data))
			} else {
				_ = dc.Send(m.Data)
			}
		})
		dc.OnClose(func() { go e.probes.remove(pc) })
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return fail(fmt.Errorf("connection test offer: %w", err))
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return fail(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		return fail(err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	return pc.LocalDescription().SDP, nil
}

// add records a probe and closes it after probeLifetime; false if too many run.
func (p *probes) add(pc *webrtc.PeerConnection) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.open) >= maxProbes {
		return false
	}
	if p.open == nil {
		p.open = make(map[*webrtc.PeerConnection]*time.Timer)
	}
	p.open[pc] = time.AfterFunc(probeLifetime, func() { p.remove(pc) })
	return true
}

// remove closes a probe.
func (p *probes) remove(pc *webrtc.PeerConnection) {
	p.mu.Lock()
	t, ok := p.open[pc]
	delete(p.open, pc)
	p.mu.Unlock()
	if ok {
		t.Stop()
		_ = pc.Close()
	}
}

// close closes every probe and refuses new ones.
func (p *probes) close() {
	p.mu.Lock()
	p.closed = true
	open := p.open
	p.open = nil
	p.mu.Unlock()
	for pc, t := range open {
		t.Stop()
		_ = pc.Close()
	}
}
