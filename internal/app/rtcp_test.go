package app

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"visio/internal/client"
)

// rtcpLog keeps the RTCP packets one participant received.
type rtcpLog struct {
	mu   sync.Mutex
	pkts []rtcp.Packet
}

func (l *rtcpLog) add(pkts []rtcp.Packet) {
	l.mu.Lock()
	l.pkts = append(l.pkts, pkts...)
	l.mu.Unlock()
}

func (l *rtcpLog) find(match func(rtcp.Packet) bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.ContainsFunc(l.pkts, match)
}

// TestServerRTCP: the server's own RTCP, with no per-connection interceptors. The publisher
// gets a NACK for each packet it lost (RFC 4585), transport-wide congestion control feedback for
// its bandwidth estimate, and receiver reports counting the loss; a subscriber gets sender
// reports (RFC 3550) for the tracks it receives, which lip sync needs.
func TestServerRTCP(t *testing.T) {
	base := startServer(t)
	code := newRoom(t, base)
	api, err := client.NewAPI(true)
	if err != nil {
		t.Fatal(err)
	}

	var pubRTCP rtcpLog
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pub, err := client.Join(ctx, api, base, code, "Publisher", client.Options{
		Loopback: true,
		OnRTCP:   func(_, _ string, pkts []rtcp.Packet) { pubRTCP.add(pkts) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pub.Close)
	video, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "v", "s")
	if err != nil {
		t.Fatal(err)
	}
	sender, err := pub.AddTrack(video, "camera")
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Negotiate(ctx, false); err != nil {
		t.Fatal(err)
	}
	ssrc := uint32(sender.GetParameters().Encodings[0].SSRC)

	var subRTCP rtcpLog
	var remoteSSRC sync.Map
	sub, err := client.Join(ctx, api, base, code, "Subscriber", client.Options{
		Loopback: true,
		OnTrack: func(id string, remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
			remoteSSRC.Store(uint32(remote.SSRC()), true)
			go func() {
				for {
					pkts, _, err := recv.ReadRTCP()
					if err != nil {
						return
					}
					subRTCP.add(pkts)
				}
			}()
			buf := make([]byte, 1500)
			for {
				if _, _, err := remote.Read(buf); err != nil {
					return
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Close)

	// Send 30 packets a second; packets 40, 41 and 42 are "lost" (never sent).
	sctx, scancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(33 * time.Millisecond)
		defer tick.Stop()
		buf := make([]byte, 0, 1000)
		for n := uint32(0); ; n++ {
			select {
			case <-sctx.Done():
				return
			case <-tick.C:
			}
			if n >= 40 && n <= 42 {
				continue
			}
			pkt := rtp.Packet{
				Header:  rtp.Header{Version: 2, Marker: true, SequenceNumber: uint16(1000 + n), Timestamp: n * 3000},
				Payload: client.SyntheticPayload(buf, 1, 'v', n, 1000),
			}
			_ = video.WriteRTP(&pkt)
		}
	}()
	t.Cleanup(func() { scancel(); wg.Wait() })

	eventually(t, 10*time.Second, "a NACK for the three lost packets", func() bool {
		return pubRTCP.find(func(p rtcp.Packet) bool {
			n, ok := p.(*rtcp.TransportLayerNack)
			if !ok || n.MediaSSRC != ssrc {
				return false
			}
			var seqs []uint16
			for _, pair := range n.Nacks {
				seqs = append(seqs, pair.PacketList()...)
			}
			return slices.Equal(seqs, []uint16{1040, 1041, 1042})
		})
	})
	eventually(t, 5*time.Second, "transport-wide feedback", func() bool {
		return pubRTCP.find(func(p rtcp.Packet) bool {
			fb, ok := p.(*rtcp.TransportLayerCC)
			return ok && fb.PacketStatusCount > 0
		})
	})
	eventually(t, 5*time.Second, "a receiver report counting the loss", func() bool {
		return pubRTCP.find(func(p rtcp.Packet) bool {
			rr, ok := p.(*rtcp.ReceiverReport)
			if !ok {
				return false
			}
			for _, r := range rr.Reports {
				if r.SSRC == ssrc && r.TotalLost == 3 && r.LastSequenceNumber >= 1043 {
					return true
				}
			}
			return false
		})
	})
	eventually(t, 5*time.Second, "a sender report for the received track", func() bool {
		return subRTCP.find(func(p rtcp.Packet) bool {
			sr, ok := p.(*rtcp.SenderReport)
			if !ok || sr.PacketCount == 0 {
				return false
			}
			_, known := remoteSSRC.Load(sr.SSRC)
			return known
		})
	})
}
