package sfu

import (
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// Simulcast layers are indexed from the lowest resolution up.
const (
	maxLayers = 3
	noLayer   = -1
)

// layerRIDs are the RIDs of the simulcast layers, lowest first (docs/protocol.md).
var layerRIDs = [maxLayers]string{"q", "h", "f"}

// defaultLayerBitrate is the assumed bit rate of a layer before it has been measured.
var defaultLayerBitrate = [maxLayers]int{150_000, 500_000, 1_200_000}

// layerIndex maps a RID to a layer index; "" (no simulcast) is layer 0.
func layerIndex(rid string) (int, bool) {
	if rid == "" {
		return 0, true
	}
	for i, r := range layerRIDs {
		if r == rid {
			return i, true
		}
	}
	return 0, false
}

// activeFor is how long after its last packet a layer still counts as being sent.
const activeFor = time.Second

// layer is one encoding of a published track: the only one, or one simulcast layer.
type layer struct {
	idx    int
	rid    string
	remote *webrtc.TrackRemote
	track  *publishedTrack // the track it is a layer of

	width, height atomic.Int32 // from the last keyframe
	bytes         atomic.Uint64
	lastRecv      atomic.Int64 // unix nanoseconds

	cache *packetCache // video: the last packets, for retransmissions; nil for audio
	recv  *recvStream  // reception state for receiver reports and NACKs

	// Rate measurement, owned by the room's tick.
	rate      atomic.Int64 // bits per second
	prevBytes uint64
	prevAt    time.Time
}

func (l *layer) active(now time.Time) bool {
	return now.UnixNano()-l.lastRecv.Load() < int64(activeFor)
}

// bitrate returns the measured bit rate, or the default for the layer before a measurement.
func (l *layer) bitrate() int {
	if r := l.rate.Load(); r > 0 {
		return int(r)
	}
	return defaultLayerBitrate[l.idx]
}

// measure updates the layer's bit rate from the bytes received since the last call.
func (l *layer) measure(now time.Time) {
	b := l.bytes.Load()
	if !l.prevAt.IsZero() {
		if dt := now.Sub(l.prevAt).Seconds(); dt > 0.2 {
			r := float64(b-l.prevBytes) * 8 / dt
			old := float64(l.rate.Load())
			if old > 0 {
				r = 0.7*old + 0.3*r
			}
			l.rate.Store(int64(r))
		}
	}
	l.prevBytes, l.prevAt = b, now
}

const videoKind = webrtc.RTPCodecTypeVideo
