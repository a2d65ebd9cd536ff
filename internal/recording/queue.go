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
	it.seq, it.ts, it.marker = pkt.SequenceNumber, pkt.Timestamp, pkt.Marker
	it.n = copy(it.buf[:], pkt.Payload)
	select {
	case r.queue <- it:
	default:
		r.dropped.Add(1)
		itemPool.Put(it)
	}
}

var _ sfu.MediaTap = (*Recorder)(nil)
