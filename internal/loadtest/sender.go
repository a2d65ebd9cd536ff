package loadtest

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// Stream indices of a publisher: audio, then the video layers q, h, f.
const (
	streamAudio = 0
	streamVideo = 1 // + layer index
	numStreams  = 4
)

// emitFunc sends one packet of stream s. The packet and its payload are only valid during the
// call.
type emitFunc func(s int, pkt *rtp.Packet)

// sender paces a publisher's media in real time: an Opus packet every 20 ms and a VP8 frame
// every 1/FPS s on each active layer, looping over the media.
type sender struct {
	media  *Media
	audio  bool
	layers []int         // video layers sent (indices into media.Layers); empty: no video
	active atomic.Uint32 // bit i: layer i is active (the server's layers message)
	keyReq atomic.Bool   // a keyframe was asked for (PLI or FIR)
	emit   emitFunc
	offset int  // frame to start at, so that publishers do not send identical payloads at once
	burst  bool // send each frame's packets at once instead of pacing them
	wg     sync.WaitGroup
}

func newSender(m *Media, audio bool, layers []int, offset int, burst bool, emit emitFunc) *sender {
	s := &sender{media: m, audio: audio, layers: layers, emit: emit, offset: offset, burst: burst}
	s.active.Store(0b111)
	return s
}

// setActive pauses the layers whose RID is not in rids.
func (s *sender) setActive(rids []string) {
	var mask uint32
	for i, rid := range layerRIDs {
		for _, r := range rids {
			if r == rid {
				mask |= 1 << i
			}
		}
	}
	s.active.Store(mask)
}

// requestKeyframe makes the next frame sent a keyframe.
func (s *sender) requestKeyframe() { s.keyReq.Store(true) }

// start sends until ctx is done; wait waits for the goroutines.
func (s *sender) start(ctx context.Context) {
	if s.audio {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.runAudio(ctx) }()
	}
	if len(s.layers) > 0 {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.runVideo(ctx) }()
	}
}

func (s *sender) wait() { s.wg.Wait() }

func (s *sender) runAudio(ctx context.Context) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(rand.Uint32()), Timestamp: rand.Uint32()}}
	i := s.offset
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pkt.Payload = s.media.Audio[i%len(s.media.Audio)]
		s.emit(streamAudio, &pkt)
		pkt.SequenceNumber++
		pkt.Timestamp += 960
		i++
	}
}

func (s *sender) runVideo(ctx context.Context) {
	fps := s.media.Spec.FPS
	tick := time.NewTicker(time.Second / time.Duration(fps))
	defer tick.Stop()
	var pkts [3]rtp.Packet
	for _, l := range s.layers {
		pkts[l].Header = rtp.Header{Version: 2, SequenceNumber: uint16(rand.Uint32()), Timestamp: rand.Uint32()}
	}
	tsStep := uint32(90000 / fps)
	var pace pacer
	if !s.burst {
		for _, l := range s.layers {
			pace.bitsPerSecond += pacingFactor * float64(s.media.Spec.layerBitrate(l)) * 1000
		}
	}
	i := s.offset
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if s.keyReq.Swap(false) {
			// The media is encoded in advance: answer with the next keyframe of the file.
			frames := s.media.Layers[s.layers[0]].Frames
			for k := 0; k < len(frames) && !frames[i%len(frames)].Keyframe; k++ {
				i++
			}
		}
		active := s.active.Load()
		for _, l := range s.layers {
			pkt := &pkts[l]
			if active&(1<<l) != 0 {
				frames := s.media.Layers[l].Frames
				f := frames[i%len(frames)]
				for j, p := range f.Packets {
					if !pace.wait(ctx, len(p)) {
						return
					}
					pkt.Marker = j == len(f.Packets)-1
					pkt.Payload = p
					s.emit(streamVideo+l, pkt)
					pkt.SequenceNumber++
				}
			}
			pkt.Timestamp += tsStep
		}
		i++
	}
}

// Browsers do not send a frame's packets at once: libwebrtc's pacer sends at 2.5 times the
// target bit rate, in bursts of 5 ms. Publishers here do the same, so that a keyframe reaches
// the server as it would from a browser.
const (
	pacingFactor = 2.5
	pacingBurst  = 5 * time.Millisecond
)

// pacer spaces packets at a fixed bit rate, allowing bursts of pacingBurst. A zero rate does not
// pace.
type pacer struct {
	bitsPerSecond float64
	next          time.Time
}

// wait returns when a packet of size bytes may be sent, or false when ctx is done first.
func (p *pacer) wait(ctx context.Context, size int) bool {
	if p.bitsPerSecond <= 0 {
		return ctx.Err() == nil
	}
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	if d := p.next.Sub(now); d > pacingBurst {
		t := time.NewTimer(d - pacingBurst)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
	p.next = p.next.Add(time.Duration(float64(size*8) / p.bitsPerSecond * float64(time.Second)))
	return true
}
