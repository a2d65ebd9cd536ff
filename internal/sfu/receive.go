package sfu

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// The receiving side of a publisher connection, done where pion hands over each packet (arrivals
// as it decrypts them, streams.go; losses on each layer's forwarding goroutine) and from the
// engine's RTCP tick (rtcp.go) rather than by per-connection interceptor goroutines: the publisher gets transport-wide congestion control feedback for its own
// bandwidth estimate, NACKs for lost video packets (RFC 4585) and receiver reports (RFC 3550).

const (
	// maxMissing bounds the lost packets one layer waits for at a time.
	maxMissing = 64
	// maxNackTries is how many times a lost packet is asked for.
	maxNackTries = 5
	// nackRetryAfter is the wait before asking again for a packet still missing.
	nackRetryAfter = 40 * time.Millisecond
	// maxNackAge is how long a lost packet is waited for; after that the decoder is better
	// served by a keyframe.
	maxNackAge = time.Second
	// maxGap is the largest jump in sequence numbers treated as loss; a larger one is a new
	// sequence (a restarted encoder) and nothing is asked for.
	maxGap = 256
)

// pubFeedback collects the arrival times of a publisher connection's packets, by transport-wide
// sequence number, for its feedback (see arrived).
type pubFeedback struct {
	extID atomic.Uint32 // the negotiated transport-wide sequence number extension id; 0: none

	mu    sync.Mutex // guards the following fields
	rec   *twcc.Recorder
	hdr   rtp.Header // scratch
	start time.Time
	held  int // packets recorded since the last feedback
}

func newPubFeedback() *pubFeedback {
	return &pubFeedback{rec: twcc.NewRecorder(randomSSRC()), start: time.Now()}
}

// setExtensions notes the header extensions negotiated for the connection's incoming streams.
func (f *pubFeedback) setExtensions(exts []webrtc.RTPHeaderExtensionParameter) {
	for _, e := range exts {
		if e.URI == sdp.TransportCCURI && e.ID > 0 && e.ID <= maxExtensionID {
			f.extID.Store(uint32(e.ID))
			return
		}
	}
}

// feedback returns the transport-cc feedback for the packets recorded since the last call, or nil.
func (f *pubFeedback) feedback() []rtcp.Packet {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.held == 0 {
		return nil
	}
	f.held = 0
	return f.rec.BuildFeedbackPacket()
}

// recvStream is the reception state of one layer (one SSRC) for receiver reports and NACKs.
type recvStream struct {
	ssrc  uint32  // the layer's SSRC (retransmissions are restored to it)
	clock float64 // RTP clock rate, Hz
	nack  bool    // ask for lost packets (video)

	mu       sync.Mutex // guards the following fields
	started  bool
	baseSeq  uint16
	maxSeq   uint16
	cycles   uint32 // wraps of the sequence number, << 16
	received uint32
	// At the last report, for the fraction lost.
	expectedPrior, receivedPrior uint32
	jitter                       float64 // RFC 3550 interarrival jitter, in RTP units
	lastTransit                  float64
	haveTransit                  bool
	// The publisher's last sender report: middle 32 bits of its NTP time and when it came.
	lastSR   uint32
	lastSRAt time.Time

	missing  [maxMissing]missingPacket
	nMissing int
}

type missingPacket struct {
	seq      uint16
	since    time.Time
	lastNack time.Time
	tries    uint8
}

func newRecvStream(ssrc uint32, clockRate uint32, nack bool) *recvStream {
	if clockRate == 0 {
		clockRate = 90000
	}
	return &recvStream{ssrc: ssrc, clock: float64(clockRate), nack: nack}
}

// onPacket records a received packet. It returns the sequence numbers newly found missing, to
// be asked for at once, in lost (which it reuses).
func (s *recvStream) onPacket(h *rtp.Header, now time.Time, lost []uint16) []uint16 {
	lost = lost[:0]
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := h.SequenceNumber
	if !s.started {
		s.started = true
		s.baseSeq, s.maxSeq = seq, seq
		s.received = 1
		s.updateJitter(h.Timestamp, now)
		return lost
	}
	s.received++
	diff := seq - s.maxSeq
	switch {
	case diff == 0:
		// Duplicate.
	case diff < 0x8000:
		// In order, perhaps after a gap.
		if seq < s.maxSeq {
			s.cycles += 1 << 16
		}
		if s.nack && diff > 1 && diff <= maxGap {
			for m := s.maxSeq + 1; m != seq; m++ {
				if s.addMissing(m, now) {
					lost = append(lost, m)
				}
			}
		}
		s.maxSeq = seq
		s.updateJitter(h.Timestamp, now)
	default:
		// Late: a reordered packet or the retransmission of a lost one.
		s.removeMissing(seq)
	}
	return lost
}

// updateJitter applies RFC 3550 section 6.4.1.
func (s *recvStream) updateJitter(ts uint32, now time.Time) {
	arrival := float64(now.UnixNano()) / 1e9 * s.clock
	transit := arrival - float64(ts)
	if s.haveTransit {
		d := transit - s.lastTransit
		if d < 0 {
			d = -d
		}
		s.jitter += (d - s.jitter) / 16
	}
	s.lastTransit, s.haveTransit = transit, true
}

func (s *recvStream) addMissing(seq uint16, now time.Time) bool {
	if s.nMissing == maxMissing {
		// Too much loss to repair packet by packet: forget the oldest.
		copy(s.missing[:], s.missing[1:])
		s.nMissing--
	}
	s.missing[s.nMissing] = missingPacket{seq: seq, since: now, lastNack: now, tries: 1}
	s.nMissing++
	return true
}

func (s *recvStream) removeMissing(seq uint16) {
	for i := 0; i < s.nMissing; i++ {
		if s.missing[i].seq == seq {
			copy(s.missing[i:], s.missing[i+1:s.nMissing])
			s.nMissing--
			return
		}
	}
}

// retry returns the packets still missing that are due to be asked for again, appended to out,
// and forgets those asked for too often or too long ago.
func (s *recvStream) retry(now time.Time, out []uint16) []uint16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := 0; i < s.nMissing; i++ {
		m := s.missing[i]
		if m.tries >= maxNackTries || now.Sub(m.since) > maxNackAge {
			continue
		}
		if now.Sub(m.lastNack) >= nackRetryAfter {
			m.lastNack = now
			m.tries++
			out = append(out, m.seq)
		}
		s.missing[n] = m
		n++
	}
	s.nMissing = n
	return out
}

// onSenderReport records the publisher's sender report for this stream.
func (s *recvStream) onSenderReport(sr *rtcp.SenderReport, now time.Time) {
	s.mu.Lock()
	s.lastSR = uint32(sr.NTPTime >> 16)
	s.lastSRAt = now
	s.mu.Unlock()
}

// report returns the RFC 3550 reception report block for the interval since the last call.
func (s *recvStream) report(now time.Time) (rtcp.ReceptionReport, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		return rtcp.ReceptionReport{}, false
	}
	extMax := s.cycles | uint32(s.maxSeq)
	expected := extMax - uint32(s.baseSeq) + 1
	lost := int64(expected) - int64(s.received)
	lost = max(min(lost, 0x7fffff), -0x800000)
	expInterval := expected - s.expectedPrior
	recvInterval := s.received - s.receivedPrior
	s.expectedPrior, s.receivedPrior = expected, s.received
	var fraction uint8
	if lostInterval := int64(expInterval) - int64(recvInterval); expInterval > 0 && lostInterval > 0 {
		fraction = uint8(min(lostInterval<<8/int64(expInterval), 255))
	}
	rr := rtcp.ReceptionReport{
		SSRC:               s.ssrc,
		FractionLost:       fraction,
		TotalLost:          uint32(lost) & 0xffffff,
		LastSequenceNumber: extMax,
		Jitter:             uint32(s.jitter),
	}
	if !s.lastSRAt.IsZero() {
		rr.LastSenderReport = s.lastSR
		rr.Delay = uint32(now.Sub(s.lastSRAt).Seconds() * 65536)
	}
	return rr, true
}

// nackPacket builds a generic NACK (RFC 4585 section 6.2.1) for seqs of mediaSSRC.
func nackPacket(senderSSRC, mediaSSRC uint32, seqs []uint16) *rtcp.TransportLayerNack {
	return &rtcp.TransportLayerNack{SenderSSRC: senderSSRC, MediaSSRC: mediaSSRC, Nacks: rtcp.NackPairsFromSequenceNumbers(seqs)}
}
