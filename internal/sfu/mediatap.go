package sfu

import (
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// MediaTap receives every RTP packet the participants of a room publish, audio and video, on
// every simulcast layer, while the track is neither muted nor blocked. Recording uses it.
//
// Packet is called on the track's forwarding goroutine, the per-packet hot path: it must not
// block, and pkt (header and payload) is only valid during the call: copy what you keep.
// arrival is the packet's arrival time in Unix nanoseconds; layer is the simulcast layer index
// (0 without simulcast, higher is larger).
type MediaTap interface {
	Packet(participantID, trackID string, source Source, video bool, layer int, arrival int64, pkt *rtp.Packet)
}

// SenderReportTap is a MediaTap that also receives the publishers' RTCP sender reports (RFC
// 3550 section 6.4.1): each maps an RTP timestamp of one layer of a track to the sender's
// wall clock (NTP format), the same clock for all of one publisher's tracks, which is how its
// audio and video are put back in sync. SenderReport is called on the publisher connection's
// RTCP goroutine, about once a second per layer; it must not block. arrival is the report's
// arrival in Unix nanoseconds.
type SenderReportTap interface {
	SenderReport(participantID, trackID string, layer int, rtpTime uint32, ntpTime uint64, arrival int64)
}

// SpeakerTap is a MediaTap that also follows who speaks: Speakers is called on the room's tick
// (every 250 ms) with the participants speaking now, loudest first (empty when nobody speaks),
// at now in Unix nanoseconds. It must not block, nor keep ids.
type SpeakerTap interface {
	Speakers(participantIDs []string, now int64)
}

// mediaTapBox holds a MediaTap behind one pointer so that it can be swapped atomically.
type mediaTapBox struct{ tap MediaTap }

// SetMediaTap installs tap for every track of the room, present and future; nil removes it.
// It only swaps the tap (an atomic store); ask for keyframes with RequestKeyframe("") so that
// the recording of each video track can start without waiting for the next one.
func (r *Room) SetMediaTap(tap MediaTap) {
	if tap == nil {
		r.tap.media.Store(nil)
		return
	}
	r.tap.media.Store(&mediaTapBox{tap: tap})
}

// RequestKeyframe asks the publisher of the video track trackID, or of every video track if
// trackID is "", for a keyframe on each of its layers (RFC 4585 PLI), at most once per
// keyframe interval; it does nothing for an unknown or audio track. A recorder that lost
// packets uses it to resume.
func (r *Room) RequestKeyframe(trackID string) {
	r.mu.Lock()
	var tracks []*publishedTrack
	if trackID == "" {
		for _, t := range r.tracks {
			tracks = append(tracks, t)
		}
	} else if t := r.tracks[trackID]; t != nil {
		tracks = append(tracks, t)
	}
	r.mu.Unlock()
	for _, t := range tracks {
		for idx, l := range t.layerList() {
			if l != nil {
				t.requestKeyframe(idx)
			}
		}
	}
}

// tapMedia hands one packet to the room's media tap, if there is one: one atomic load otherwise.
func (t *publishedTrack) tapMedia(layer int, arrival int64, pkt *rtp.Packet) {
	if t.tap == nil {
		return
	}
	if b := t.tap.media.Load(); b != nil && len(pkt.Payload) > 0 && !t.muted.Load() && !t.blocked.Load() {
		b.tap.Packet(t.ownerID, t.id, t.source, t.kind == videoKind, layer, arrival, pkt)
	}
}

// tapSenderReport hands a sender report of layer to the room's media tap, if it wants them.
func (t *publishedTrack) tapSenderReport(layer int, sr *rtcp.SenderReport, arrival int64) {
	if t.tap == nil {
		return
	}
	if b := t.tap.media.Load(); b != nil && !t.muted.Load() && !t.blocked.Load() {
		if st, ok := b.tap.(SenderReportTap); ok {
			st.SenderReport(t.ownerID, t.id, layer, sr.RTPTime, sr.NTPTime, arrival)
		}
	}
}
