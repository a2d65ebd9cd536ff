package client

import (
	"context"
	"encoding/binary"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Synthetic media: packets whose payload says who sent them and in what order, so that a
// receiver can check it got exactly what was sent. Payload layout: magic byte, publisher
// number, kind ('a' or 'v'), a 4-byte big-endian counter, then filler derived from the counter.

const payloadMagic = 0x5A

// SyntheticPayload returns the payload of packet n of publisher pub for kind ('a' or 'v'), of
// the given size (at least 7).
func SyntheticPayload(buf []byte, pub byte, kind byte, n uint32, size int) []byte {
	buf = buf[:0]
	buf = append(buf, payloadMagic, pub, kind)
	buf = binary.BigEndian.AppendUint32(buf, n)
	for i := len(buf); i < size; i++ {
		buf = append(buf, byte(n)+byte(i)*31)
	}
	return buf
}

// ParsePayload reads the header of a synthetic payload.
func ParsePayload(p []byte) (pub byte, kind byte, n uint32, ok bool) {
	if len(p) < 7 || p[0] != payloadMagic {
		return 0, 0, 0, false
	}
	return p[1], p[2], binary.BigEndian.Uint32(p[3:7]), true
}

// SyntheticSource sends synthetic audio (50 packets/s, 160 bytes) and video (30 packets/s, 1000
// bytes) on two tracks until its context is cancelled.
type SyntheticSource struct {
	Audio, Video *webrtc.TrackLocalStaticRTP
	pub          byte
	wg           sync.WaitGroup
}

// NewSyntheticSource makes the two tracks for publisher number pub.
func NewSyntheticSource(pub byte) (*SyntheticSource, error) {
	a, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "a", "s")
	if err != nil {
		return nil, err
	}
	v, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "v", "s")
	if err != nil {
		return nil, err
	}
	return &SyntheticSource{Audio: a, Video: v, pub: pub}, nil
}

// Start sends packets until ctx is done. Wait waits for the senders to stop.
func (s *SyntheticSource) Start(ctx context.Context) {
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.run(ctx, s.Audio, 'a', 20*time.Millisecond, 960, 160) }()
	go func() { defer s.wg.Done(); s.run(ctx, s.Video, 'v', 33*time.Millisecond, 3000, 1000) }()
}

// Wait waits until the senders have stopped.
func (s *SyntheticSource) Wait() { s.wg.Wait() }

func (s *SyntheticSource) run(ctx context.Context, t *webrtc.TrackLocalStaticRTP, kind byte, every time.Duration, tsStep uint32, size int) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	buf := make([]byte, 0, size)
	var n uint32
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pkt := rtp.Packet{
			Header: rtp.Header{
				Version: 2, Marker: kind == 'v', SequenceNumber: uint16(n), Timestamp: n * tsStep,
			},
			Payload: SyntheticPayload(buf, s.pub, kind, n, size),
		}
		_ = t.WriteRTP(&pkt)
		n++
	}
}
