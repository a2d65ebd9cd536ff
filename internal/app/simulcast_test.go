// The congestion controller judges the link by packet delays: under the race detector, which
// slows the server several times, it sees congestion that is not there. This test runs without
// -race (make test-go runs it separately); the code it drives is covered with -race by the other
// tests.

//go:build !race

package app

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"visio/internal/client"
	"visio/internal/signal"
)

// simPublisher sends three synthetic VP8 simulcast layers (320x180, 640x360, 1280x720 at 15
// frames a second, about 120 kbit/s, 360 kbit/s and 1.2 Mbit/s), with real VP8 payload
// descriptors and keyframe headers, a keyframe on request, and pauses the layers the server
// says nobody needs. Every payload ends with its layer number.
type simPublisher struct {
	c            *client.Client
	tracks       [3]*webrtc.TrackLocalStaticRTP
	tr           *webrtc.RTPTransceiver
	midID, ridID uint8
	mid          string
	key          [3]atomic.Bool
	active       [3]atomic.Bool
	lastLayers   atomic.Value // []string
	wg           sync.WaitGroup
}

var simRIDs = [3]string{"q", "h", "f"}

func newSimPublisher(t *testing.T, api *webrtc.API, base, code string) *simPublisher {
	t.Helper()
	p := &simPublisher{}
	for i := range p.active {
		p.active[i].Store(true)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Join(ctx, api, base, code, "Publisher", client.Options{
		Loopback:    true,
		PublishOnly: true,
		OnRTCP: func(_, rid string, pkts []rtcp.Packet) {
			for _, pkt := range pkts {
				switch pkt.(type) {
				case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
					for i, r := range simRIDs {
						if r == rid {
							p.key[i].Store(true)
						}
					}
				}
			}
		},
		OnEvent: func(m any) {
			if l, ok := m.(*client.Layers); ok {
				p.lastLayers.Store(l.Active)
				for i, r := range simRIDs {
					on := false
					for _, a := range l.Active {
						on = on || a == r
					}
					if on && !p.active[i].Load() {
						p.key[i].Store(true) // a resumed encoding starts with a keyframe
					}
					p.active[i].Store(on)
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	p.c = c
	for i, rid := range simRIDs {
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "cam", "sim", webrtc.WithRTPStreamID(rid))
		if err != nil {
			t.Fatal(err)
		}
		p.tracks[i] = tr
	}
	if p.tr, err = c.AddSimulcastTrack(p.tracks[:], "camera"); err != nil {
		t.Fatal(err)
	}
	if err := c.Negotiate(ctx, false); err != nil {
		t.Fatal(err)
	}
	p.midID, p.ridID, p.mid = client.StreamExtensions(p.tr)
	return p
}

func (p *simPublisher) start(ctx context.Context) {
	sizes := [3][2]int{{320, 180}, {640, 360}, {1280, 720}}
	perFrame := [3]int{1, 3, 10}
	for i := range p.tracks {
		p.key[i].Store(true)
		p.wg.Add(1)
		go func(l int) {
			defer p.wg.Done()
			tick := time.NewTicker(time.Second / 15)
			defer tick.Stop()
			var seq uint16
			var ts uint32
			pid := 100 * l
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				ts += 6000
				if !p.active[l].Load() {
					continue
				}
				pid = (pid + 1) & 0x7fff
				key := p.key[l].Swap(false)
				for k := 0; k < perFrame[l]; k++ {
					desc := []byte{0x80, 0x80, 0x80 | byte(pid>>8), byte(pid)}
					payload := make([]byte, 0, 1000)
					if k == 0 {
						desc[0] |= 0x10 // start of partition 0
						payload = append(payload, desc...)
						if key {
							w, h := sizes[l][0], sizes[l][1]
							payload = append(payload, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, byte(w), byte(w>>8), byte(h), byte(h>>8))
						} else {
							payload = append(payload, 0x01, 0x00, 0x00)
						}
					} else {
						payload = append(payload, desc...)
					}
					for len(payload) < 999 {
						payload = append(payload, 0x55)
					}
					payload = append(payload, byte(l))
					pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: k == perFrame[l]-1}, Payload: payload}
					seq++
					if p.midID != 0 {
						_ = pkt.Header.SetExtension(p.midID, []byte(p.mid))
					}
					_ = pkt.Header.SetExtension(p.ridID, []byte(simRIDs[l]))
					_ = p.tracks[l].WriteRTP(pkt)
					if k < perFrame[l]-1 {
						time.Sleep(time.Second / 15 / 2 / time.Duration(perFrame[l])) // paced, as encoders do
					}
				}
			}
		}(i)
	}
}

// simViewer records which layer each received packet came from.
type simViewer struct {
	c    *client.Client
	mu   sync.Mutex
	pkts []recvPacket
}

type recvPacket struct {
	at    time.Time
	seq   uint16
	ts    uint32
	layer int
}

func (v *simViewer) onTrack(_ string, remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	if remote.Kind() != webrtc.RTPCodecTypeVideo {
		return
	}
	buf := make([]byte, 1500)
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			return
		}
		var pkt rtp.Packet
		if pkt.Unmarshal(buf[:n]) != nil || len(pkt.Payload) == 0 {
			continue
		}
		v.mu.Lock()
		v.pkts = append(v.pkts, recvPacket{at: time.Now(), seq: pkt.SequenceNumber, ts: pkt.Timestamp, layer: int(pkt.Payload[len(pkt.Payload)-1])})
		v.mu.Unlock()
	}
}

// layer returns the layer of the packets received in the last half second, or -1 if none came.
func (v *simViewer) layer() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	l := -1
	for i := len(v.pkts) - 1; i >= 0 && time.Since(v.pkts[i].at) < 500*time.Millisecond; i-- {
		l = max(l, v.pkts[i].layer)
	}
	return l
}

// longestGap returns the longest time without a packet since from.
func (v *simViewer) longestGap(from time.Time) time.Duration {
	v.mu.Lock()
	defer v.mu.Unlock()
	var gap time.Duration
	last := from
	for _, p := range v.pkts {
		if p.at.Before(from) {
			continue
		}
		gap = max(gap, p.at.Sub(last))
		last = p.at
	}
	return max(gap, time.Since(last))
}

// TestSimulcastAdaptation: a subscriber gets the layer that fits its tile and its link: up to
// the top layer on a free link, down a layer under a bandwidth cap without freezing, back up when
// the cap lifts, the bottom layer for a small tile, nothing for a hidden one. Its sequence numbers
// and timestamps stay continuous across switches, and the publisher is told to pause the layers
// nobody needs.
func TestSimulcastAdaptation(t *testing.T) {
	base := startServer(t)
	code := newRoom(t, base)
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}
	pub := newSimPublisher(t, api, base, code)
	ctx, cancel := context.WithCancel(context.Background())
	pub.start(ctx)
	t.Cleanup(func() { cancel(); pub.wg.Wait(); pub.c.Close() })

	link, err := newLimitedNet()
	if err != nil {
		t.Fatal(err)
	}
	vapi, err := limitedAPI(link)
	if err != nil {
		t.Fatal(err)
	}
	v := &simViewer{}
	var camMu sync.Mutex
	var camID string
	note := func(ps ...signal.ParticipantJSON) {
		camMu.Lock()
		defer camMu.Unlock()
		for _, o := range ps {
			for _, tr := range o.Tracks {
				if tr.Source == "camera" {
					camID = tr.ID
				}
			}
		}
	}
	jctx, jcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer jcancel()
	v.c, err = client.Join(jctx, vapi, base, code, "Viewer", client.Options{OnTrack: v.onTrack, OnEvent: func(m any) {
		switch m := m.(type) {
		case *signal.Welcome:
			note(m.Participants...)
		case *signal.ParticipantEvent:
			note(m.Participant)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.c.Close)
	eventually(t, 10*time.Second, "the camera track to be announced", func() bool {
		camMu.Lock()
		defer camMu.Unlock()
		return camID != ""
	})
	view := func(visible bool, w, h int) {
		t.Helper()
		if err := v.c.Subscribe(context.Background(), []client.TrackView{{TrackID: camID, Visible: visible, Width: w, Height: h}}); err != nil {
			t.Fatal(err)
		}
	}

	view(true, 1280, 720)
	eventually(t, 20*time.Second, "the top layer for a large tile on a free link", func() bool { return v.layer() == 2 })
	time.Sleep(time.Second)
	checkContinuous(t, v, time.Time{})

	capped := time.Now()
	link.setRate(500_000)
	eventually(t, 20*time.Second, "a lower layer under a 500 kbit/s cap", func() bool {
		l := v.layer()
		return l >= 0 && l < 2
	})
	time.Sleep(3 * time.Second)
	if gap := v.longestGap(capped); gap > 2*time.Second {
		t.Errorf("video froze for %s under the cap, want it to step down instead", gap)
	}

	link.setRate(0)
	eventually(t, 45*time.Second, "the top layer again once the cap lifts", func() bool { return v.layer() == 2 })
	free := time.Now() // packets lost to the cap may stay lost; check continuity from here

	view(true, 320, 180)
	eventually(t, 10*time.Second, "the bottom layer for a small tile", func() bool { return v.layer() == 0 })
	eventually(t, 10*time.Second, "the publisher to be told to pause the upper layers", func() bool {
		l, _ := pub.lastLayers.Load().([]string)
		return len(l) == 1 && l[0] == "q"
	})
	time.Sleep(time.Second) // let retransmissions of the last losses arrive
	checkContinuous(t, v, free)

	if testing.Verbose() {
		v.mu.Lock()
		start := v.pkts[0].at
		last := -1
		for _, p := range v.pkts {
			if p.layer != last {
				t.Logf("%6.2fs: layer %d", p.at.Sub(start).Seconds(), p.layer)
				last = p.layer
			}
		}
		v.mu.Unlock()
	}
	view(false, 0, 0)
	time.Sleep(time.Second)
	hidden := time.Now()
	time.Sleep(2 * time.Second)
	if gap := v.longestGap(hidden); gap < 2*time.Second {
		t.Errorf("packets kept coming for a hidden tile")
	}
}

// checkContinuous verifies that the subscriber's stream since from (after retransmissions) has
// no sequence gap and that timestamps never go back, across layer switches.
func checkContinuous(t *testing.T, v *simViewer, from time.Time) {
	t.Helper()
	// Packets sent after from: sequence numbers above the highest received before it
	// (retransmissions of older packets may still arrive later).
	v.mu.Lock()
	var pkts []recvPacket
	var top uint16
	seen := false
	for _, p := range v.pkts {
		if p.at.Before(from) && (!seen || int16(p.seq-top) > 0) {
			top, seen = p.seq, true
		}
	}
	for _, p := range v.pkts {
		if !seen || int16(p.seq-top) > 0 {
			pkts = append(pkts, p)
		}
	}
	v.mu.Unlock()
	switches := 0
	for i := 1; i < len(pkts); i++ {
		if pkts[i].layer != pkts[i-1].layer {
			switches++
		}
	}
	sort.Slice(pkts, func(i, j int) bool { return int16(pkts[i].seq-pkts[j].seq) < 0 })
	for i := 1; i < len(pkts); i++ {
		d := pkts[i].seq - pkts[i-1].seq
		if d > 1 {
			t.Errorf("sequence gap %d -> %d", pkts[i-1].seq, pkts[i].seq)
			return
		}
		if d == 1 && int32(pkts[i].ts-pkts[i-1].ts) < 0 {
			t.Errorf("timestamp went back %d -> %d at sequence %d", pkts[i-1].ts, pkts[i].ts, pkts[i].seq)
			return
		}
	}
	t.Logf("%d packets, %d layer switches, continuous", len(pkts), switches)
}
