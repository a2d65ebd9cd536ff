package sfu

import "sync/atomic"

// AudioTap receives the Opus payload of every audio RTP packet a participant publishes while
// the track is neither muted nor blocked, with its RTP timestamp (48 kHz, RFC 7587). It is
// called on the track's forwarding goroutine, the per-packet hot path: it must not block, and
// payload is only valid during the call (copy what you keep).
type AudioTap func(participantID, trackID string, rtpTimestamp uint32, payload []byte)

// audioTap holds a room's tap; the zero value is "no tap".
type audioTap struct {
	fn    atomic.Pointer[AudioTap]
	media atomic.Pointer[mediaTapBox] // recording's view of every track (mediatap.go)
}

// SetAudioTap installs tap for every audio track of the room, present and future; nil removes
// it. Live transcription uses it.
func (r *Room) SetAudioTap(tap AudioTap) {
	if tap == nil {
		r.tap.fn.Store(nil)
		return
	}
	r.tap.fn.Store(&tap)
}

// tapAudio hands one packet to the room's tap, if there is one: one atomic load otherwise.
func (t *publishedTrack) tapAudio(ts uint32, payload []byte) {
	if t.tap == nil {
		return
	}
	if fn := t.tap.fn.Load(); fn != nil && len(payload) > 0 && !t.muted.Load() && !t.blocked.Load() {
		(*fn)(t.ownerID, t.id, ts, payload)
	}
}
