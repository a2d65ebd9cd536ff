package recording

import "time"

// flushEvery is how often the manifest gets the tracks' end times and offsets while a
// recording runs: a crash loses at most this much of where each track ends.
const flushEvery = 2 * time.Second

// ntpEpochOffset is the number of seconds from 1900 (NTP's epoch) to 1970 (Unix's).
const ntpEpochOffset = 2208988800

// ntpToUnix converts a 64-bit NTP timestamp (RFC 3550: seconds since 1900 in the high 32 bits,
// the fraction in the low 32) to Unix nanoseconds.
func ntpToUnix(ntp uint64) int64 {
	secs := int64(ntp>>32) - ntpEpochOffset
	frac := int64((ntp & 0xffffffff) * 1e9 >> 32)
	return secs*int64(time.Second) + frac
}

// senderReport takes a publisher's RTCP sender report of one track: it dates the track's first
// recorded sample on the publisher's wall clock, and measures how that clock stands against
// ours (the smallest arrival-minus-sent seen over all the publisher's reports, which is its
// clock offset plus the shortest network delay).
func (r *Recorder) senderReport(it *packetItem) {
	sent := ntpToUnix(it.ntp)
	if d, ok := r.clocks[it.participant]; !ok || it.arrival-sent < d {
		r.clocks[it.participant] = it.arrival - sent
	}
	tw := r.tracks[it.track]
	if tw == nil || tw.index < 0 || tw.senderStart != 0 || it.layer != tw.firstLayer {
		return
	}
	rate := int64(48000)
	if tw.meta.Kind == "video" {
		rate = 90000
	}
	// The RTP time of the file's first sample, on the sender's clock.
	tw.senderStart = sent + int64(int32(tw.firstTS-it.ts))*int64(time.Second)/rate
}

// syncTracks puts into the manifest each track's offset (from the sender reports when there are
// some) and end, and writes it if anything changed. Called on the writer goroutine every
// flushEvery and at the end.
func (r *Recorder) syncTracks() {
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, tw := range r.tracks {
		if tw.index < 0 || tw.index >= len(r.manifest.Tracks) {
			continue
		}
		off, sync := tw.meta.ArrivalOffsetMS, "arrival"
		if d, ok := r.clocks[tw.meta.Participant]; ok && tw.senderStart != 0 {
			off, sync = max(0, (tw.senderStart+d-r.start.UnixNano())/int64(time.Millisecond)), "sender_report"
		}
		tw.meta.OffsetMS, tw.meta.Sync = off, sync
		tw.meta.EndMS = tw.endMS()
		if m := &r.manifest.Tracks[tw.index]; *m != tw.meta {
			*m = tw.meta
			changed = true
		}
	}
	if changed || r.speakersChanged {
		r.speakersChanged = false
		r.saveLocked()
	}
}
