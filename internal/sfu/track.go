package sfu

import (
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// keyframeInterval is the shortest time between two keyframe requests sent to a publisher for
// one track: subscribers joining together share one keyframe.
const keyframeInterval = 300 * time.Millisecond

// maxRTPPacket is the size of the buffer a forwarding goroutine reads into.
const maxRTPPacket = 1500

// publishedTrack is one track a participant sends to the server, and the list of subscribers it
// is forwarded to.
type publishedTrack struct {
	id         string
	ownerID    string
	source     Source
	kind       webrtc.RTPCodecType
	codec      webrtc.RTPCodecParameters
	extensions []webrtc.RTPHeaderExtensionParameter
	remote     *webrtc.TrackRemote
	sendPLI    func(mediaSSRC uint32)
	metrics    *Metrics
	log        *slog.Logger

	muted atomic.Bool
	downs atomic.Pointer[[]*DownTrack] // copy-on-write: read per packet, written under mu

	mu      sync.Mutex // guards the following fields
	closed  bool
	lastPLI time.Time
}

func (t *publishedTrack) info() TrackInfo {
	return TrackInfo{ID: t.id, Source: t.source, Kind: t.kind.String(), Muted: t.muted.Load()}
}

// addDown adds a subscriber's down track. It reports false if the track has ended.
func (t *publishedTrack) addDown(d *DownTrack) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	old := t.downs.Load()
	var list []*DownTrack
	if old != nil {
		list = make([]*DownTrack, 0, len(*old)+1)
		list = append(list, *old...)
	}
	list = append(list, d)
	t.downs.Store(&list)
	return true
}

func (t *publishedTrack) removeDown(d *DownTrack) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.downs.Load()
	if old == nil {
		return
	}
	list := make([]*DownTrack, 0, len(*old))
	for _, x := range *old {
		if x != d {
			list = append(list, x)
		}
	}
	t.downs.Store(&list)
}

// setMuted changes whether the track is forwarded. It reports whether anything changed.
func (t *publishedTrack) setMuted(m bool) bool {
	if t.muted.Swap(m) == m {
		return false
	}
	if !m && t.kind == webrtc.RTPCodecTypeVideo {
		t.requestKeyframe()
	}
	return true
}

// requestKeyframe asks the publisher for a keyframe (RFC 4585 PLI), at most once per
// keyframeInterval.
func (t *publishedTrack) requestKeyframe() {
	if t.kind != webrtc.RTPCodecTypeVideo {
		return
	}
	t.mu.Lock()
	now := time.Now()
	if t.closed || now.Sub(t.lastPLI) < keyframeInterval {
		t.mu.Unlock()
		return
	}
	t.lastPLI = now
	t.mu.Unlock()
	t.sendPLI(uint32(t.remote.SSRC()))
	t.metrics.KeyframeRequests.Inc()
}

// forward reads the publisher's packets and writes each to every subscriber until the track
// ends. It is the per-packet hot path: one buffer and one packet are reused for the whole life
// of the track.
func (t *publishedTrack) forward() {
	buf := make([]byte, maxRTPPacket)
	var pkt rtp.Packet
	for {
		n, _, err := t.remote.Read(buf)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.log.Debug("track read ended", "err", err)
			}
			return
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil {
			t.metrics.ForwardErrors.Inc()
			continue
		}
		downs := t.downs.Load()
		if downs == nil {
			continue
		}
		skip := t.muted.Load() || len(pkt.Payload) == 0
		var sent, failed int
		for _, d := range *downs {
			if skip {
				d.drop()
				continue
			}
			ok, err := d.writeRTP(&pkt)
			switch {
			case err != nil:
				failed++
			case ok:
				sent++
			}
		}
		if sent > 0 {
			t.metrics.ForwardedPackets.Add(float64(sent))
			t.metrics.ForwardedBytes.Add(float64(sent * n))
		}
		if failed > 0 {
			t.metrics.ForwardErrors.Add(float64(failed))
		}
	}
}

// close marks the track ended; no new subscriber is added after it.
func (t *publishedTrack) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
}
