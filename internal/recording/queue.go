package recording

import (
	"sync"

	"github.com/pion/rtp"

	"visio/internal/sfu"
)

// maxPayload is the largest RTP payload the tap copies; larger packets are dropped (the SFU reads
// at most 1500 bytes).
const maxPayload = 1500

// packetItem is one packet on its way from a forwarding goroutine to the recorder's writer.
type packetItem struct {
	participant, track string
	source             sfu.Source
	video              bool
	layer              int
	arrival            int64
	seq                uint16
	ts                 uint32
	marker             bool
	sr                 bool   // a sender report, not a packet: ts is its RTP time
	ntp                uint64 // the sender report's NTP time
	n                  int
	buf                [maxPayload]byte
}

var itemPool = sync.Pool{New: func() any { return new(packetItem) }}

// Packet implements sfu.MediaTap: it copies pkt into a pooled item and queues it for the
// writer. It never blocks: when the queue is full, or the recorder stopped, the packet is dropped
// and counted.
func (r *Recorder) Packet(participantID, trackID string, source sfu.Source, video bool, layer int, arrival int64, pkt *rtp.Packet) {
	if r.stopped.Load() || (video && r.p.AudioOnly) {
		return
	}
	if len(pkt.Payload) > maxPayload {
		r.dropped.Add(1)
		return
	}
	it := itemPool.Get().(*packetItem)
	it.participant, it.track, it.source, it.video, it.layer, it.arrival = participantID, trackID, source, video, layer, arrival
	it.seq, it.ts, it.marker, it.sr = pkt.SequenceNumber, pkt.Timestamp, pkt.Marker, false
	it.n = copy(it.buf[:], pkt.Payload)
	select {
	case r.queue <- it:
	default:
		r.dropped.Add(1)
		itemPool.Put(it)
	}
}

// SenderReport implements sfu.SenderReportTap: the report goes through the queue, in order with
// the track's packets, to the writer, which aligns the track with it. It never blocks.
func (r *Recorder) SenderReport(participantID, trackID string, layer int, rtpTime uint32, ntpTime uint64, arrival int64) {
	if r.stopped.Load() {
		return
	}
	it := itemPool.Get().(*packetItem)
	it.participant, it.track, it.layer, it.arrival = participantID, trackID, layer, arrival
	it.sr, it.ts, it.ntp, it.n = true, rtpTime, ntpTime, 0
	select {
	case r.queue <- it:
	default:
		itemPool.Put(it) // the next report, a second later, does as well
	}
}

var (
	_ sfu.MediaTap        = (*Recorder)(nil)
	_ sfu.SenderReportTap = (*Recorder)(nil)
)
