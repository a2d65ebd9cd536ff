package sfu

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
)

// Send-side bandwidth estimation for one subscriber connection, from the transport-wide
// congestion control feedback the subscriber returns
// (draft-holmer-rmcat-transport-wide-cc-extensions-01). It is a compact Google congestion
// control (draft-ietf-rmcat-gcc-02, as in libwebrtc) that runs inline: the send path stamps each
// packet, and all estimation happens synchronously when feedback arrives. No goroutines, no
// timers, no allocations.
//
//   - Delay-based: packets are grouped into bursts by send time; the growth of the one-way delay
//     between consecutive groups is smoothed and fitted to a trendline whose slope is compared
//     with an adaptive threshold (overuse, normal, underuse).
//   - Rate control (AIMD): while normal the estimate grows, multiplicatively far from the last
//     congestion point and additively near it, never beyond 1.5 times the acknowledged bitrate;
//     on overuse it drops to 0.85 times the acknowledged bitrate and holds until normal.
//   - Loss-based: above 10% loss the estimate is cut in proportion to the loss; below 2% it may
//     grow; in between it holds. The target is the lower of the two estimates.

const (
	// twccHistorySize is how many sent packets are remembered for feedback: over four seconds at
	// 10 Mbit/s, while feedback comes every 50-250 ms. 64 KiB per subscriber.
	twccHistorySize = 1 << 12
	twccHistoryMask = twccHistorySize - 1

	// maxRecvDelta bounds a receive delta (µs): 16 signed bits of 250 µs on the wire.
	maxRecvDelta = 8_192_000
	// maxRunLength is the longest run-length chunk: 13 bits.
	maxRunLength = 1<<13 - 1
	// refTimeUnit is the unit of the feedback reference time (ns).
	refTimeUnit = 64_000_000
	// maxTimeJump is a jump in arrival or send times (ns) beyond which the receiver's clock, or
	// the feedback, is not trusted and measurements restart.
	maxTimeJump = 3_000_000_000

	// Delay-based detection (libwebrtc InterArrivalDelta and TrendlineEstimator).
	burstInterval      = 5_000_000   // ns: packets sent within this of a group's first join it
	maxBurstDuration   = 100_000_000 // ns: longest group extended by arrival bursts
	trendlineWindow    = 20          // groups in the trendline fit
	trendlineSmoothing = 0.9         // smoothing of the accumulated delay
	trendlineGain      = 4.0         // trend multiplier before comparing with the threshold
	trendlineMaxDeltas = 60          // the trend is scaled by at most this many deltas
	overuseTime        = 10.0        // ms over the threshold before overuse is signalled
	initialThreshold   = 12.5        // ms
	thresholdUp        = 0.0087      // threshold adaptation gain when the trend is above it
	thresholdDown      = 0.039       // and when below
	minThreshold       = 6.0         // ms
	maxThreshold       = 600.0       // ms
	maxThresholdAdapt  = 15.0        // ms: outliers further above the threshold do not adapt it

	// Acknowledged bitrate: bytes received over a sliding window of arrival time.
	ackedBucket    = 50_000_000 // ns
	ackedBuckets   = 10         // window = 500 ms
	minAckedWindow = 100_000_000

	// Rate control.
	decreaseFactor      = 0.85   // of the acknowledged bitrate on overuse
	increaseLimitFactor = 1.5    // of the acknowledged bitrate
	increaseHeadroom    = 10_000 // bps above the limit
	multiplicativeRate  = 1.08   // growth per second far from the last congestion point
	minReductionGap     = 10e6   // ns: shortest time between two decreases
	maxReductionGap     = 200e6  // ns: longest
	defaultRTT          = 100e6  // ns, before feedback measures it
	expectedPacketBits  = 1200 * 8

	// Loss-based control.
	lossIncreaseBelow = 0.02
	lossDecreaseAbove = 0.10
	lossMinPackets    = 20          // packets per loss sample
	lossDecreaseGap   = 300_000_000 // ns, plus the round-trip time
	lossBucket        = 250_000_000 // ns; congestion() reports loss over four buckets
	lossBuckets       = 4
)

// Status of a sent packet in the history.
const (
	pktUnreported uint8 = iota
	pktLost
	pktReceived
)

// twccPacket is one entry of the send history.
type twccPacket struct {
	sent   int64  // send time, unix ns
	id     uint32 // low bits of the unwrapped sequence number, plus one: 0 is an empty slot
	size   uint16 // bytes
	status uint8
}

// twccSender stamps transport-wide sequence numbers on one subscriber connection's outgoing RTP
// packets, remembers when each was sent and how big it was, and turns the subscriber's feedback
// into an estimate.
type twccSender struct {
	// connected is set while the connection can deliver: packets written before DTLS is up,
	// or while ICE is reconnecting, are dropped by pion before the wire and must not count as
	// lost.
	connected atomic.Bool

	mu sync.Mutex // guards twccState
	twccState
}

// twccState is everything a twccSender's feedback and sends change.
type twccState struct {
	next    int64 // unwrapped sequence number of the next packet
	history [twccHistorySize]twccPacket

	minBitrate, maxBitrate float64
	target                 int

	refTime  int64 // unwrapped reference time of the last feedback, in 64 ms units
	refKnown bool
	rtt      int64 // smoothed round-trip time (ns); 0 until measured

	groups interArrival
	trend  trendline
	acked  ackedRate
	rate   aimdControl
	loss   lossControl
	recent recentLoss
}

// newTWCCSender returns a sender whose estimate starts at initialBitrate and stays within
// [minBitrate, maxBitrate] (bits per second).
func newTWCCSender(initialBitrate, minBitrate, maxBitrate int) *twccSender {
	minBitrate = max(minBitrate, 1)
	maxBitrate = max(maxBitrate, minBitrate)
	initialBitrate = min(max(initialBitrate, minBitrate), maxBitrate)
	s := &twccSender{twccState: twccState{
		minBitrate: float64(minBitrate),
		maxBitrate: float64(maxBitrate),
		target:     initialBitrate,
	}}
	s.trend.init()
	s.rate.bitrate = float64(initialBitrate)
	s.loss.bitrate = float64(initialBitrate)
	return s
}

// setConnected records whether the connection is connected (webrtc.PeerConnectionStateConnected).
func (s *twccSender) setConnected(c bool) { s.connected.Store(c) }

// sending reports whether packets sent now reach the wire and should be stamped.
func (s *twccSender) sending() bool { return s.connected.Load() }

// stamp returns the next transport-wide sequence number and records a packet of size bytes
// (whole RTP packet including header) sent at now (unix ns). It is safe for concurrent use and
// does not allocate.
func (s *twccSender) stamp(size int, now int64) uint16 {
	size = min(max(size, 0), math.MaxUint16)
	s.mu.Lock()
	n := s.next
	s.next++
	s.history[n&twccHistoryMask] = twccPacket{sent: now, id: uint32(n) + 1, size: uint16(size)}
	s.mu.Unlock()
	return uint16(n)
}

// lookup returns the history entry of sequence number seq, or nil for a packet never sent or
// forgotten. s.mu must be held.
func (s *twccSender) lookup(seq uint16) *twccPacket {
	last := s.next - 1
	back := int64(uint16(last) - seq)
	n := last - back
	if back >= twccHistorySize || n < 0 {
		return nil
	}
	p := &s.history[n&twccHistoryMask]
	if p.id != uint32(n)+1 {
		return nil
	}
	return p
}

// remembered returns the offsets [lo, hi) within a run of n (at most maxRunLength) sequence
// numbers from start that may be in the history. s.mu must be held.
func (s *twccSender) remembered(start uint16, n int) (lo, hi int) {
	window := min(s.next, twccHistorySize)
	back := int64(uint16(s.next-1) - start) // how far back the run starts
	lo = int(max(back-window+1, 0))
	hi = int(min(int64(n), back+1))
	return lo, max(lo, hi)
}

// targetBitrate returns the current estimate in bits per second.
func (s *twccSender) targetBitrate() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.target
}

// congestion reports whether the delay-based detector is in overuse now, and the loss rate
// (0..1) of the packets reported over about the last second, as of the latest feedback.
func (s *twccSender) congestion() (overuse bool, loss float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.trend.usage == usageOveruse, s.recent.rate
}

// onFeedback processes one transport-cc feedback packet received at now (unix ns). It is safe
// for concurrent use with stamp. Malformed feedback is ignored as a whole; reports of packets
// never sent, forgotten or already reported are skipped. It does not allocate, and its work is
// bounded by the size of the history plus the number of receive deltas.
func (s *twccSender) onFeedback(fb *rtcp.TransportLayerCC, now int64) {
	if fb == nil || fb.PacketStatusCount == 0 || !validFeedback(fb) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	ref := int64(fb.ReferenceTime & 0xFFFFFF)
	if s.refKnown {
		d := (ref - s.refTime) & 0xFFFFFF // signed 24-bit difference
		if d >= 1<<23 {
			d -= 1 << 24
		}
		ref = s.refTime + d
	}
	arrival := ref * refTimeUnit
	seq := fb.BaseSequenceNumber
	deltas := fb.RecvDeltas
	known := false        // the feedback reported on packets this sender remembers
	lastSent := int64(-1) // send time of the last timed packet newly reported received
	w := statusWalker{chunks: fb.PacketChunks, left: int(fb.PacketStatusCount)}
	for {
		status, n, ok := w.next()
		if !ok {
			break
		}
		switch status {
		case rtcp.TypeTCCPacketReceivedSmallDelta, rtcp.TypeTCCPacketReceivedLargeDelta:
			for range n {
				arrival += deltas[0].Delta * 1000
				deltas = deltas[1:]
				if p := s.received(seq, arrival, true, now); p != nil {
					lastSent, known = p.sent, true
				}
				seq++
			}
		default:
			// Runs without deltas cost nothing on the wire: visit only the packets remembered.
			lo, hi := s.remembered(seq, n)
			for j := lo; j < hi; j++ {
				if status == rtcp.TypeTCCPacketReceivedWithoutDelta {
					known = s.received(seq+uint16(j), 0, false, now) != nil || known
				} else {
					known = s.lost(seq+uint16(j), now) || known
				}
			}
			seq += uint16(n)
		}
	}
	if !known {
		return // nothing new about packets this sender remembers
	}
	s.refTime, s.refKnown = ref, true

	if sample := now - lastSent; lastSent >= 0 && sample >= 0 && sample < 10*maxTimeJump {
		if s.rtt == 0 {
			s.rtt = sample
		} else {
			s.rtt += (sample - s.rtt) / 8
		}
	}
	rtt := s.rtt
	if rtt == 0 {
		rtt = defaultRTT
	}
	s.acked.update()
	s.rate.update(s.trend.usage, s.acked.bps, rtt, now)
	s.rate.bitrate = clampFloat(s.rate.bitrate, s.minBitrate, s.maxBitrate)
	s.loss.update(s.rate.bitrate, rtt, now)
	s.loss.bitrate = clampFloat(s.loss.bitrate, s.minBitrate, s.maxBitrate)
	s.recent.update(now)
	s.target = int(min(s.rate.bitrate, s.loss.bitrate))
}

// received accounts for packet seq reported received, at arrival (receiver clock, ns) if
// timed. It returns the packet's history entry if it was sent, remembered and not yet reported
// received.
func (s *twccSender) received(seq uint16, arrival int64, timed bool, now int64) *twccPacket {
	p := s.lookup(seq)
	if p == nil || p.status == pktReceived {
		return nil
	}
	if p.status == pktLost { // reordered: reported lost first, then late
		s.loss.unlose()
		s.recent.unlose(now)
	} else {
		s.loss.add(false)
		s.recent.add(now, false)
	}
	p.status = pktReceived
	if timed {
		s.acked.add(arrival, int(p.size))
		if sd, ad, ok := s.groups.add(p.sent, arrival); ok {
			s.trend.update(float64(ad)/1e6, float64(sd)/1e6, float64(arrival)/1e6)
		}
	}
	return p
}

// lost accounts for packet seq reported not received. It reports whether the packet was sent,
// remembered and not yet reported.
func (s *twccSender) lost(seq uint16, now int64) bool {
	p := s.lookup(seq)
	if p == nil || p.status != pktUnreported {
		return false
	}
	p.status = pktLost
	s.loss.add(true)
	s.recent.add(now, true)
	return true
}

// validFeedback reports whether the chunks of fb cover exactly its packet status count, with
// one receive delta per packet that has one, each within the wire range.
func validFeedback(fb *rtcp.TransportLayerCC) bool {
	w := statusWalker{chunks: fb.PacketChunks, left: int(fb.PacketStatusCount)}
	timed := 0
	for {
		status, n, ok := w.next()
		if !ok {
			break
		}
		if status == rtcp.TypeTCCPacketReceivedSmallDelta || status == rtcp.TypeTCCPacketReceivedLargeDelta {
			timed += n
		}
	}
	if w.bad || w.left > 0 || timed != len(fb.RecvDeltas) {
		return false
	}
	for _, d := range fb.RecvDeltas {
		if d == nil || d.Delta < -maxRecvDelta || d.Delta >= maxRecvDelta {
			return false
		}
	}
	return true
}

// statusWalker reads the packet status chunks of a feedback as runs of packets with one status.
type statusWalker struct {
	chunks  []rtcp.PacketStatusChunk
	left    int      // packets not yet read
	symbols []uint16 // unread symbols of the current status vector
	twoBit  bool
	bad     bool // a chunk is malformed
}

// next returns the next run: a status (rtcp.TypeTCCPacket...) and a count of packets. ok is false
// when all packets are read, chunks run out, or a chunk is malformed (bad is then set).
func (w *statusWalker) next() (status uint16, n int, ok bool) {
	for w.left > 0 {
		if len(w.symbols) > 0 {
			sym := w.symbols[0]
			w.symbols = w.symbols[1:]
			w.left--
			switch {
			case w.twoBit:
				return sym & 3, 1, true
			case sym == 1:
				return rtcp.TypeTCCPacketReceivedSmallDelta, 1, true
			default:
				return rtcp.TypeTCCPacketNotReceived, 1, true
			}
		}
		if len(w.chunks) == 0 {
			return 0, 0, false
		}
		c := w.chunks[0]
		w.chunks = w.chunks[1:]
		run, _ := c.(*rtcp.RunLengthChunk)
		vec, _ := c.(*rtcp.StatusVectorChunk)
		switch {
		case run != nil:
			if n := min(int(run.RunLength), maxRunLength, w.left); n > 0 {
				w.left -= n
				return run.PacketStatusSymbol & 3, n, true
			}
		case vec != nil && vec.SymbolSize == rtcp.TypeTCCSymbolSizeOneBit:
			w.symbols, w.twoBit = vec.SymbolList[:min(len(vec.SymbolList), 14)], false
		case vec != nil && vec.SymbolSize == rtcp.TypeTCCSymbolSizeTwoBit:
			w.symbols, w.twoBit = vec.SymbolList[:min(len(vec.SymbolList), 7)], true
		default:
			w.bad = true
			return 0, 0, false
		}
	}
	return 0, 0, false
}

// packetGroup is a burst of packets sent (or received) close together.
type packetGroup struct {
	firstSent, lastSent       int64
	firstArrival, lastArrival int64
	started                   bool
}

// interArrival groups packets into bursts and measures the send and arrival time differences
// between consecutive complete groups.
type interArrival struct {
	cur, prev packetGroup
}

// add adds a received packet, in sequence order. When it starts a new group, the previous two
// complete groups give sendDelta and arrivalDelta (ns) and ok is true.
func (g *interArrival) add(sent, arrival int64) (sendDelta, arrivalDelta int64, ok bool) {
	c := &g.cur
	switch {
	case !c.started:
		*c = packetGroup{sent, sent, arrival, arrival, true}
		return 0, 0, false
	case sent < c.firstSent:
		return 0, 0, false // reordered: older than the group in progress
	case g.belongs(sent, arrival):
		c.lastSent = max(c.lastSent, sent)
		c.lastArrival = max(c.lastArrival, arrival)
		return 0, 0, false
	}
	if g.prev.started {
		sendDelta = c.lastSent - g.prev.lastSent
		arrivalDelta = c.lastArrival - g.prev.lastArrival
		skew := arrivalDelta - sendDelta
		ok = arrivalDelta >= 0 && skew < maxTimeJump && skew > -maxTimeJump
	}
	g.prev = *c
	*c = packetGroup{sent, sent, arrival, arrival, true}
	return sendDelta, arrivalDelta, ok
}

// belongs reports whether a packet joins the current group: sent within a burst interval of its
// first packet, or arriving in a burst (queued behind it).
func (g *interArrival) belongs(sent, arrival int64) bool {
	c := &g.cur
	if sent-c.firstSent <= burstInterval {
		return true
	}
	sendDelta := sent - c.lastSent
	arrivalDelta := arrival - c.lastArrival
	if sendDelta == 0 {
		return true
	}
	return arrivalDelta-sendDelta < 0 && arrivalDelta <= burstInterval &&
		arrival-c.firstArrival < maxBurstDuration
}

// bweUsage is the delay-based detector's view of the link.
type bweUsage uint8

const (
	usageNormal bweUsage = iota
	usageUnderuse
	usageOveruse
)

// trendline estimates the trend of the one-way delay from the group deltas and detects overuse
// against an adaptive threshold. Times are in milliseconds.
type trendline struct {
	numDeltas    int
	firstArrival float64
	started      bool
	accumulated  float64
	smoothed     float64
	histX, histY [trendlineWindow]float64
	histLen      int
	histPos      int
	trend        float64
	prevTrend    float64

	threshold      float64
	thresholdAt    float64
	thresholdSet   bool
	overuseFor     float64 // ms above the threshold, -1: not above
	overuseSamples int
	usage          bweUsage
}

// init sets the detector's starting threshold.
func (t *trendline) init() {
	t.threshold = initialThreshold
	t.overuseFor = -1
}

// update adds one group delta: arrivalDelta and sendDelta between two groups, the later one
// arriving at arrival.
func (t *trendline) update(arrivalDelta, sendDelta, arrival float64) {
	t.numDeltas = min(t.numDeltas+1, 1000)
	if !t.started {
		t.firstArrival, t.started = arrival, true
	}
	t.accumulated += arrivalDelta - sendDelta
	t.smoothed = trendlineSmoothing*t.smoothed + (1-trendlineSmoothing)*t.accumulated
	t.histX[t.histPos] = arrival - t.firstArrival
	t.histY[t.histPos] = t.smoothed
	t.histPos = (t.histPos + 1) % trendlineWindow
	t.histLen = min(t.histLen+1, trendlineWindow)
	if t.histLen == trendlineWindow {
		if slope, ok := t.slope(); ok {
			t.trend = slope
		}
	}
	t.detect(sendDelta, arrival)
}

// slope fits a line to the delay history by least squares.
func (t *trendline) slope() (float64, bool) {
	var sx, sy float64
	for i := range t.histLen {
		sx += t.histX[i]
		sy += t.histY[i]
	}
	mx, my := sx/float64(t.histLen), sy/float64(t.histLen)
	var num, den float64
	for i := range t.histLen {
		dx := t.histX[i] - mx
		num += dx * (t.histY[i] - my)
		den += dx * dx
	}
	if den == 0 {
		return 0, false
	}
	return num / den, true
}

func (t *trendline) detect(sendDelta, now float64) {
	if t.numDeltas < 2 {
		t.usage = usageNormal
		return
	}
	modified := float64(min(t.numDeltas, trendlineMaxDeltas)) * t.trend * trendlineGain
	switch {
	case modified > t.threshold:
		if t.overuseFor < 0 {
			t.overuseFor = sendDelta / 2
		} else {
			t.overuseFor += sendDelta
		}
		t.overuseSamples++
		if t.overuseFor > overuseTime && t.overuseSamples > 1 && t.trend >= t.prevTrend {
			t.overuseFor, t.overuseSamples = 0, 0
			t.usage = usageOveruse
		}
	case modified < -t.threshold:
		t.overuseFor, t.overuseSamples = -1, 0
		t.usage = usageUnderuse
	default:
		t.overuseFor, t.overuseSamples = -1, 0
		t.usage = usageNormal
	}
	t.prevTrend = t.trend
	t.adaptThreshold(modified, now)
}

// adaptThreshold moves the threshold towards the modified trend: quickly down, slowly up, so
// that competing flows do not starve this one and noise does not trigger overuse.
func (t *trendline) adaptThreshold(modified, now float64) {
	if !t.thresholdSet {
		t.thresholdAt, t.thresholdSet = now, true
	}
	m := math.Abs(modified)
	if m > t.threshold+maxThresholdAdapt {
		t.thresholdAt = now
		return
	}
	k := thresholdUp
	if m < t.threshold {
		k = thresholdDown
	}
	dt := clampFloat(now-t.thresholdAt, 0, 100)
	t.threshold = clampFloat(t.threshold+k*(m-t.threshold)*dt, minThreshold, maxThreshold)
	t.thresholdAt = now
}

// ackedRate measures the bitrate the subscriber received, over a sliding window of arrival time.
type ackedRate struct {
	bytes   [ackedBuckets]int64
	ids     [ackedBuckets]int64 // bucket number of each slot
	latest  int64               // latest arrival
	first   int64               // first arrival since the window restarted
	started bool
	bps     float64 // latest measurement; 0 until known
}

func (a *ackedRate) add(arrival int64, size int) {
	if !a.started || arrival < a.latest-maxTimeJump || arrival > a.latest+maxTimeJump {
		*a = ackedRate{first: arrival, latest: arrival, started: true, bps: a.bps}
		for i := range a.ids {
			a.ids[i] = math.MinInt64
		}
	}
	a.latest = max(a.latest, arrival)
	b := floorDiv(arrival, ackedBucket)
	if b <= floorDiv(a.latest, ackedBucket)-ackedBuckets {
		return // older than the window
	}
	i := int(b - floorDiv(b, ackedBuckets)*ackedBuckets)
	if a.ids[i] != b {
		a.ids[i], a.bytes[i] = b, 0
	}
	a.bytes[i] += int64(size)
}

// update measures the bitrate over the window ending at the latest arrival.
func (a *ackedRate) update() {
	if !a.started {
		return
	}
	last := floorDiv(a.latest, ackedBucket)
	oldest := last - ackedBuckets + 1
	start := max(oldest*ackedBucket, a.first)
	span := a.latest - start
	if span < minAckedWindow {
		return
	}
	var sum int64
	for i, id := range a.ids {
		if id >= oldest && id <= last {
			sum += a.bytes[i]
		}
	}
	a.bps = float64(sum) * 8e9 / float64(span)
}

// aimdControl is the delay-based rate control.
type aimdControl struct {
	bitrate    float64
	increasing bool  // false: hold
	lastChange int64 // ns

	// Link capacity: the acknowledged bitrate at past overuses (kbps), with its variance.
	capacity, deviation float64
	capacityKnown       bool
}

// update applies the detector's usage at now, given the acknowledged bitrate (0 if unknown) and
// the round-trip time.
func (r *aimdControl) update(u bweUsage, acked float64, rtt, now int64) {
	switch u {
	case usageOveruse:
		gap := min(max(float64(rtt), minReductionGap), maxReductionGap)
		if float64(now-r.lastChange) >= gap || (acked > 0 && acked < r.bitrate/2) {
			r.decrease(acked)
			r.increasing, r.lastChange = false, now
		}
		return
	case usageUnderuse:
		r.increasing = false // the queues are draining: wait for them
		return
	}
	if !r.increasing {
		r.increasing, r.lastChange = true, now
	}
	if acked > 0 && r.capacityKnown && acked/1000 > r.capacity+3*math.Sqrt(r.capacity*r.deviation) {
		r.capacityKnown = false // the link got faster than it was
	}
	limit := math.Inf(1)
	if acked > 0 {
		limit = increaseLimitFactor*acked + increaseHeadroom
	}
	if r.bitrate < limit {
		dt := clampFloat(float64(now-r.lastChange)/1e9, 0, 1)
		var inc float64
		if r.capacityKnown {
			inc = r.additiveRate(rtt) * dt
		} else {
			inc = max(r.bitrate*(math.Pow(multiplicativeRate, dt)-1), 1000)
		}
		r.bitrate = min(r.bitrate+inc, limit)
	}
	r.lastChange = now
}

// decrease sets the bitrate a little below the acknowledged bitrate, to drain the queue the
// estimate built up, and learns the link capacity.
func (r *aimdControl) decrease(acked float64) {
	if acked <= 0 {
		r.bitrate /= 2
		return
	}
	d := decreaseFactor * acked
	if d > r.bitrate && r.capacityKnown {
		d = decreaseFactor * r.capacity * 1000
	}
	if d < r.bitrate {
		r.bitrate = d
	}
	kbps := acked / 1000
	if r.capacityKnown && kbps < r.capacity-3*math.Sqrt(r.capacity*r.deviation) {
		r.capacityKnown = false
	}
	if !r.capacityKnown {
		r.capacity, r.deviation, r.capacityKnown = kbps, 0.4, true
		return
	}
	const alpha = 0.05
	r.capacity = (1-alpha)*r.capacity + alpha*kbps
	e := r.capacity - kbps
	r.deviation = clampFloat((1-alpha)*r.deviation+alpha*e*e/max(r.capacity, 1), 0.4, 2.5)
}

// additiveRate is the growth near the link capacity (bps per second): about one packet per
// response time.
func (r *aimdControl) additiveRate(rtt int64) float64 {
	bitsPerFrame := r.bitrate / 30
	packets := math.Ceil(bitsPerFrame / expectedPacketBits)
	packetBits := bitsPerFrame / max(packets, 1)
	response := float64(rtt+100e6) / 1e9
	return max(packetBits/response, 4000)
}

// lossControl is the loss-based rate control.
type lossControl struct {
	bitrate      float64
	lost, total  int     // packets towards the next sample
	loss         float64 // latest sample
	lastUpdate   int64
	lastDecrease int64
	started      bool
}

func (l *lossControl) add(lost bool) {
	l.total++
	if lost {
		l.lost++
	}
}

// unlose corrects for a packet reported lost that arrived late.
func (l *lossControl) unlose() {
	if l.lost > 0 {
		l.lost--
	}
}

// update applies the loss since the last sample at now, capped by the delay-based bitrate.
func (l *lossControl) update(delayBased float64, rtt, now int64) {
	if l.total >= lossMinPackets {
		l.loss = float64(l.lost) / float64(l.total)
		l.lost, l.total = 0, 0
	}
	if !l.started {
		l.lastUpdate, l.lastDecrease, l.started = now, now-lossDecreaseGap-rtt, true
	}
	dt := clampFloat(float64(now-l.lastUpdate)/1e9, 0, 1)
	l.lastUpdate = now
	switch {
	case l.loss < lossIncreaseBelow:
		l.bitrate = l.bitrate*math.Pow(multiplicativeRate, dt) + 1000*dt
	case l.loss > lossDecreaseAbove && now-l.lastDecrease >= lossDecreaseGap+rtt:
		l.bitrate *= 1 - 0.5*l.loss
		l.lastDecrease = now
	}
	l.bitrate = min(l.bitrate, delayBased)
}

// recentLoss is the loss rate of the packets reported over about the last second, by feedback
// time.
type recentLoss struct {
	ids         [lossBuckets]int64
	lost, total [lossBuckets]int
	rate        float64
}

func (r *recentLoss) bucket(now int64) int {
	b := floorDiv(now, lossBucket)
	i := int(b - floorDiv(b, lossBuckets)*lossBuckets)
	if r.ids[i] != b {
		r.ids[i], r.lost[i], r.total[i] = b, 0, 0
	}
	return i
}

func (r *recentLoss) add(now int64, lost bool) {
	i := r.bucket(now)
	r.total[i]++
	if lost {
		r.lost[i]++
	}
}

// unlose corrects for a packet reported lost that arrived late.
func (r *recentLoss) unlose(now int64) {
	b := floorDiv(now, lossBucket)
	for i, id := range r.ids {
		if id > b-lossBuckets && id <= b && r.lost[i] > 0 {
			r.lost[i]--
			return
		}
	}
}

func (r *recentLoss) update(now int64) {
	b := floorDiv(now, lossBucket)
	lost, total := 0, 0
	for i, id := range r.ids {
		if id > b-lossBuckets && id <= b {
			lost += r.lost[i]
			total += r.total[i]
		}
	}
	if total > 0 {
		r.rate = float64(lost) / float64(total)
	} else {
		r.rate = 0
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func clampFloat(v, lo, hi float64) float64 {
	return min(max(v, lo), hi)
}
