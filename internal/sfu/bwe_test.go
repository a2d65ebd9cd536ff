package sfu

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
)

// The estimator is tested against a simulated link: a bottleneck of some capacity with a FIFO
// queue (optionally drop-tail, optionally with random loss), a receiver that records arrivals
// and returns transport-wide feedback every 100 ms as a browser does (pion's twcc.Recorder),
// and the feedback carried over the wire (marshalled and parsed again). Time is simulated in
// 1 ms steps: nothing sleeps.

const (
	simStep       = int64(time.Millisecond)
	simPacket     = 1200                       // bytes per packet
	simEpoch      = int64(1_700_000_000) * 1e9 // sender clock at simulated time 0 (unix ns)
	simFBInterval = 100 * simStep
	simFBDelay    = 20 * simStep // feedback path
	simProp       = 20 * simStep // media path, besides queueing

	testInitialBitrate = 1_500_000
	testMinBitrate     = 100_000
	testMaxBitrate     = 50_000_000
)

// simLink is a bottleneck with a FIFO queue.
type simLink struct {
	capacity   float64 // bps
	queueLimit int     // bytes; 0: unlimited
	lossRate   float64 // random loss before the queue
	busyUntil  int64   // when the queue drains, ns
	rng        *rand.Rand
}

// send returns when a packet of size bytes sent at now arrives, or false if it is dropped.
func (l *simLink) send(now int64, size int) (int64, bool) {
	if l.lossRate > 0 && l.rng.Float64() < l.lossRate {
		return 0, false
	}
	start := max(now, l.busyUntil)
	if l.queueLimit > 0 && float64(start-now)*l.capacity/8e9+float64(size) > float64(l.queueLimit) {
		return 0, false
	}
	l.busyUntil = start + int64(float64(size)*8e9/l.capacity)
	return l.busyUntil + simProp, true
}

// queueDelay is how long a packet sent at now waits in the queue.
func (l *simLink) queueDelay(now int64) time.Duration {
	return time.Duration(max(l.busyUntil-now, 0))
}

type simArrival struct {
	seq uint16
	at  int64
}

type simFeedback struct {
	at  int64
	raw []byte
}

// sim drives a twccSender through a simLink.
type sim struct {
	tb       testing.TB
	s        *twccSender
	link     simLink
	rec      *twcc.Recorder
	recvBase int64 // receiver clock at simulated time 0 (µs)
	now      int64 // simulated time (ns)
	credit   float64
	inFlight []simArrival
	pending  []simFeedback
	nextFB   int64
	// rate is the sending rate (bps) for the current estimate.
	rate func(target int) float64
	// duplicate delivers every feedback twice.
	duplicate bool
	// feedbacks received, as parsed, if keep is set.
	keep bool
	fbs  []*rtcp.TransportLayerCC
}

func newSim(tb testing.TB, capacity float64, rate func(target int) float64) *sim {
	return &sim{
		tb:     tb,
		s:      newTWCCSender(testInitialBitrate, testMinBitrate, testMaxBitrate),
		link:   simLink{capacity: capacity, rng: rand.New(rand.NewPCG(1, 2))},
		rec:    twcc.NewRecorder(1),
		rate:   rate,
		nextFB: simFBInterval,
	}
}

// run advances the simulation by d, calling each (if not nil) after every step.
func (m *sim) run(d time.Duration, each func()) {
	for end := m.now + int64(d); m.now < end; {
		m.now += simStep
		m.credit += m.rate(m.s.targetBitrate()) * float64(simStep) / 1e9
		for m.credit >= simPacket*8 {
			m.credit -= simPacket * 8
			seq := m.s.stamp(simPacket, simEpoch+m.now)
			if at, ok := m.link.send(m.now, simPacket); ok {
				m.inFlight = append(m.inFlight, simArrival{seq, at})
			}
		}
		n := 0
		for n < len(m.inFlight) && m.inFlight[n].at <= m.now {
			a := m.inFlight[n]
			m.rec.Record(2, a.seq, m.recvBase+a.at/1000)
			n++
		}
		m.inFlight = append(m.inFlight[:0], m.inFlight[n:]...)
		if m.now >= m.nextFB {
			m.nextFB += simFBInterval
			if pkts := m.rec.BuildFeedbackPacket(); len(pkts) > 0 {
				raw, err := rtcp.Marshal(pkts)
				if err != nil {
					m.tb.Fatal(err)
				}
				m.pending = append(m.pending, simFeedback{m.now + simFBDelay, raw})
			}
		}
		for len(m.pending) > 0 && m.pending[0].at <= m.now {
			m.deliver(m.pending[0].raw)
			m.pending = m.pending[1:]
		}
		if each != nil {
			each()
		}
	}
}

func (m *sim) deliver(raw []byte) {
	pkts, err := rtcp.Unmarshal(raw)
	if err != nil {
		m.tb.Fatal(err)
	}
	for _, p := range pkts {
		fb, ok := p.(*rtcp.TransportLayerCC)
		if !ok {
			continue
		}
		if m.keep {
			m.fbs = append(m.fbs, fb)
		}
		m.s.onFeedback(fb, simEpoch+m.now)
		if m.duplicate {
			m.s.onFeedback(fb, simEpoch+m.now)
		}
	}
}

func (m *sim) seconds() float64 { return float64(m.now) / 1e9 }

func sendAt(bps float64) func(int) float64 { return func(int) float64 { return bps } }

func sendTarget(factor, ceiling float64) func(int) float64 {
	return func(target int) float64 { return min(float64(target)*factor, ceiling) }
}

// TestTWCCInitial: before any feedback the estimate is the initial bitrate, clamped to the
// bounds, and no congestion is reported.
func TestTWCCInitial(t *testing.T) {
	for _, c := range []struct{ init, lo, hi, want int }{
		{1_500_000, 100_000, 50_000_000, 1_500_000},
		{50_000, 100_000, 50_000_000, 100_000},
		{90_000_000, 100_000, 50_000_000, 50_000_000},
	} {
		s := newTWCCSender(c.init, c.lo, c.hi)
		if got := s.targetBitrate(); got != c.want {
			t.Errorf("newTWCCSender(%d, %d, %d): target %d, want %d", c.init, c.lo, c.hi, got, c.want)
		}
		if over, loss := s.congestion(); over || loss != 0 {
			t.Errorf("congestion before feedback: %v %v", over, loss)
		}
	}
}

// TestTWCCBottleneck: a sender that sends what the estimate allows (up to 2.5 Mbit/s) through
// a 2 Mbit/s bottleneck. The estimate starts below capacity and grows until the queue builds;
// the delay-based detector then brings it below capacity (under 1.1 × capacity) and, once
// settled, it stays between half the capacity and a little above it, with the queue kept short.
func TestTWCCBottleneck(t *testing.T) {
	const capacity = 2_000_000
	m := newSim(t, capacity, sendTarget(1, 2_500_000))
	queueing, below := false, false
	var settledMin, settledMax, sum, n float64 = 1e18, 0, 0, 0
	var maxQueue time.Duration
	m.run(30*time.Second, func() {
		target := float64(m.s.targetBitrate())
		q := m.link.queueDelay(m.now)
		if q > 10*time.Millisecond {
			queueing = true
		}
		if queueing && target < 1.1*capacity {
			below = true
		}
		if m.seconds() >= 10 {
			settledMin, settledMax = min(settledMin, target), max(settledMax, target)
			sum, n = sum+target, n+1
			maxQueue = max(maxQueue, q)
		}
	})
	t.Logf("settled: min %.0f max %.0f mean %.0f, max queue %v", settledMin, settledMax, sum/n, maxQueue)
	if !queueing {
		t.Fatal("the estimate never grew beyond the capacity")
	}
	if !below {
		t.Error("the estimate never fell below 1.1 × capacity once the queue built")
	}
	if settledMin < 0.5*capacity {
		t.Errorf("settled estimate fell to %.0f, below half the capacity", settledMin)
	}
	if mean := sum / n; mean < 0.7*capacity || mean > 1.1*capacity {
		t.Errorf("settled mean estimate %.0f, want 0.7–1.1 × capacity", mean)
	}
	if maxQueue > 300*time.Millisecond {
		t.Errorf("queueing delay reached %v once settled", maxQueue)
	}
}

// TestTWCCCapacityChange: the capacity drops from 3 Mbit/s to 500 kbit/s, then comes back. The
// sender sends 10% above the estimate, as a prober does. The estimate falls below 600 kbit/s
// within 2.5 s of the drop, and recovers above 1.5 Mbit/s after the capacity returns at the
// pace of the multiplicative increase (8% per second: at least 15 s from 450 kbit/s).
func TestTWCCCapacityChange(t *testing.T) {
	m := newSim(t, 3_000_000, sendTarget(1.1, 4_000_000))
	m.run(10*time.Second, nil)
	before := m.s.targetBitrate()
	if before < 2_000_000 {
		t.Errorf("estimate %d after 10 s on a 3 Mbit/s link", before)
	}
	m.link.capacity = 500_000
	drop := m.now
	fell := time.Duration(-1)
	m.run(10*time.Second, func() {
		if fell < 0 && m.s.targetBitrate() < 600_000 {
			fell = time.Duration(m.now - drop)
		}
	})
	low := m.s.targetBitrate()
	m.link.capacity = 3_000_000
	lift := m.now
	rose := time.Duration(-1)
	m.run(25*time.Second, func() {
		if rose < 0 && m.s.targetBitrate() > 1_500_000 {
			rose = time.Duration(m.now - lift)
		}
	})
	t.Logf("before %d; fell below 600k after %v, %d at the end; rose above 1.5M after %v, %d at the end",
		before, fell, low, rose, m.s.targetBitrate())
	if fell < 0 || fell > 2500*time.Millisecond {
		t.Errorf("estimate fell below 600 kbit/s after %v, want within 2.5 s", fell)
	}
	if low > 600_000 || low < 250_000 {
		t.Errorf("estimate %d after 10 s at 500 kbit/s", low)
	}
	if rose < 0 || rose > 20*time.Second {
		t.Errorf("estimate rose above 1.5 Mbit/s after %v, want within 20 s", rose)
	}
}

// TestTWCCLoss: 20% random loss with no queueing makes the estimate fall and congestion()
// report the loss; without loss it grows again and the loss reported goes back to zero. The
// delay-based detector sees no overuse either way.
func TestTWCCLoss(t *testing.T) {
	m := newSim(t, 100_000_000, sendTarget(1, 100_000_000))
	m.link.lossRate = 0.2
	overused := false
	check := func() {
		if over, _ := m.s.congestion(); over {
			overused = true
		}
	}
	m.run(6*time.Second, check)
	lossy := m.s.targetBitrate()
	_, loss := m.s.congestion()
	t.Logf("after 6 s at 20%% loss: %d, loss %.3f", lossy, loss)
	if lossy > testInitialBitrate/2 {
		t.Errorf("estimate %d after 6 s at 20%% loss, want below %d", lossy, testInitialBitrate/2)
	}
	if loss < 0.1 || loss > 0.3 {
		t.Errorf("reported loss %.3f at 20%% loss", loss)
	}
	m.link.lossRate = 0
	lowest := lossy
	m.run(10*time.Second, func() {
		check()
		lowest = min(lowest, m.s.targetBitrate())
	})
	clean := m.s.targetBitrate()
	_, loss = m.s.congestion()
	t.Logf("after 10 s without loss: %d (from %d at the lowest), loss %.3f", clean, lowest, loss)
	// 8% per second for the 9 s or so after the last lossy sample: ×2.
	if float64(clean) < 1.8*float64(lowest) {
		t.Errorf("estimate %d after 10 s without loss, from %d", clean, lowest)
	}
	if loss != 0 {
		t.Errorf("reported loss %.3f without loss", loss)
	}
	if overused {
		t.Error("overuse reported on a link without queueing")
	}
}

// TestTWCCBackedBySending: the estimate grows only as far as what is sent backs it: 1.5 times
// the acknowledged bitrate plus 10 kbit/s. Sending 2 Mbit/s on a fast link it settles at that
// limit; sending 300 kbit/s it does not grow (nor fall, without congestion).
func TestTWCCBackedBySending(t *testing.T) {
	m := newSim(t, 100_000_000, sendAt(2_000_000))
	m.run(20*time.Second, nil)
	if got := m.s.targetBitrate(); got < 2_800_000 || got > 3_010_000*1.02 {
		t.Errorf("estimate %d sending 2 Mbit/s, want about 3.01 Mbit/s", got)
	}
	m = newSim(t, 100_000_000, sendAt(300_000))
	m.run(10*time.Second, nil)
	// Before the acknowledged bitrate is known (the first 100 ms of arrivals) it may grow by the
	// minimum step, 1 kbit/s.
	if got := m.s.targetBitrate(); got < testInitialBitrate || got > testInitialBitrate+1000 {
		t.Errorf("estimate %d sending 300 kbit/s, want %d unchanged", got, testInitialBitrate)
	}
}

// TestTWCCCongestionSignals: on a 1 Mbit/s link, sending 600 kbit/s shows no congestion;
// sending 1.5 Mbit/s into an unlimited queue shows overuse soon after the queue starts growing
// and for most of the time it grows, and no loss; into a drop-tail queue, loss.
func TestTWCCCongestionSignals(t *testing.T) {
	m := newSim(t, 1_000_000, sendAt(600_000))
	m.run(5*time.Second, func() {
		if over, loss := m.s.congestion(); over || loss > 0 {
			t.Fatalf("congestion (%v, %.3f) at %.1f s below capacity", over, loss, m.seconds())
		}
	})

	m.rate = sendAt(1_500_000)
	start := m.now
	first := time.Duration(-1)
	overSteps, steps := 0, 0
	m.run(4*time.Second, func() {
		over, loss := m.s.congestion()
		if loss > 0 {
			t.Fatalf("loss %.3f reported without loss", loss)
		}
		if over && first < 0 {
			first = time.Duration(m.now - start)
		}
		if m.now-start >= int64(time.Second) {
			steps++
			if over {
				overSteps++
			}
		}
	})
	t.Logf("overuse after %v, then %d%% of the time; queue %v", first, 100*overSteps/steps, m.link.queueDelay(m.now))
	if first < 0 || first > time.Second {
		t.Errorf("overuse first reported after %v of queue growth, want within 1 s", first)
	}
	if overSteps < steps*3/4 {
		t.Errorf("overuse reported %d%% of the time the queue grew", 100*overSteps/steps)
	}

	d := newSim(t, 1_000_000, sendAt(1_500_000))
	d.link.queueLimit = 30_000
	d.run(4*time.Second, nil)
	_, loss := d.s.congestion()
	t.Logf("drop-tail: loss %.3f", loss)
	if loss < 0.2 || loss > 0.45 {
		t.Errorf("reported loss %.3f sending 1.5× capacity into a drop-tail queue", loss)
	}
}

// trajectory runs m for d and returns the estimate after every step.
func (m *sim) trajectory(d time.Duration) []int {
	var out []int
	m.run(d, func() { out = append(out, m.s.targetBitrate()) })
	return out
}

func sameTrajectory(t *testing.T, name string, a, b []int) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d steps, want %d", name, len(b), len(a))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("%s: estimate %d at step %d, want %d", name, b[i], i, a[i])
		}
	}
}

// TestTWCCWrapAround: the transport-wide sequence number wrapping past 65535 and the 24-bit
// feedback reference time wrapping change nothing: the estimate follows exactly the same course.
// Duplicated feedback changes nothing either.
func TestTWCCWrapAround(t *testing.T) {
	const d = 20 * time.Second
	base := newSim(t, 2_000_000, sendTarget(1, 2_500_000)).trajectory(d)

	seqWrap := newSim(t, 2_000_000, sendTarget(1, 2_500_000))
	seqWrap.s.next = 1<<16 - 1000 // wraps after about 5 s
	sameTrajectory(t, "sequence wrap", base, seqWrap.trajectory(d))
	if seqWrap.s.next < 1<<16+1000 {
		t.Fatalf("the sequence number did not wrap: %d packets", seqWrap.s.next)
	}

	refWrap := newSim(t, 2_000_000, sendTarget(1, 2_500_000))
	// 5.8 s before the reference time wraps; a whole number of acknowledged-rate buckets (50 ms)
	// away from the other run.
	refWrap.recvBase = (1<<24 - 91) * 64_000
	refWrap.keep = true
	sameTrajectory(t, "reference time wrap", base, refWrap.trajectory(d))
	wrapped := false
	for i := 1; i < len(refWrap.fbs); i++ {
		if refWrap.fbs[i].ReferenceTime < refWrap.fbs[i-1].ReferenceTime {
			wrapped = true
		}
	}
	if !wrapped {
		t.Fatal("the reference time did not wrap")
	}

	dup := newSim(t, 2_000_000, sendTarget(1, 2_500_000))
	dup.duplicate = true
	sameTrajectory(t, "duplicate feedback", base, dup.trajectory(d))
}

// stateOf returns a copy of the estimator's state, to check that feedback was ignored.
func stateOf(s *twccSender) *twccState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.twccState
	return &st
}

// warmSender returns a sender after 3 s on a simulated 2 Mbit/s link, and the feedback it got.
func warmSender(t *testing.T) (*twccSender, []*rtcp.TransportLayerCC, int64) {
	m := newSim(t, 2_000_000, sendTarget(1, 2_500_000))
	m.keep = true
	m.run(3*time.Second, nil)
	return m.s, m.fbs, simEpoch + m.now
}

func run(symbol, n uint16) *rtcp.RunLengthChunk {
	return &rtcp.RunLengthChunk{PacketStatusSymbol: symbol, RunLength: n}
}

func deltas(n int, us int64) []*rtcp.RecvDelta {
	out := make([]*rtcp.RecvDelta, n)
	for i := range out {
		typ := rtcp.TypeTCCPacketReceivedSmallDelta
		if us < 0 || us > 63_750 {
			typ = rtcp.TypeTCCPacketReceivedLargeDelta
		}
		out[i] = &rtcp.RecvDelta{Type: typ, Delta: us}
	}
	return out
}

// TestTWCCHostileFeedback: malformed or hostile feedback never panics and leaves the estimate
// within its bounds; feedback that is malformed, about packets never sent, too old, or already
// reported changes nothing at all.
func TestTWCCHostileFeedback(t *testing.T) {
	const (
		small = rtcp.TypeTCCPacketReceivedSmallDelta
		large = rtcp.TypeTCCPacketReceivedLargeDelta
		lost  = rtcp.TypeTCCPacketNotReceived
		nodt  = rtcp.TypeTCCPacketReceivedWithoutDelta
	)
	_, fbs, _ := warmSender(t)
	last := fbs[len(fbs)-1]
	cases := []struct {
		name    string
		fb      func(next uint16) *rtcp.TransportLayerCC
		ignored bool
	}{
		{"nil", func(uint16) *rtcp.TransportLayerCC { return nil }, true},
		{"zero chunks", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 10, PacketStatusCount: 5}
		}, true},
		{"status count 65535 without chunks", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 10, PacketStatusCount: 65535}
		}, true},
		{"status count 0", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 10, PacketChunks: []rtcp.PacketStatusChunk{run(small, 3)}, RecvDeltas: deltas(3, 1000)}
		}, true},
		{"deltas missing", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 10, PacketStatusCount: 10, PacketChunks: []rtcp.PacketStatusChunk{run(small, 10)}, RecvDeltas: deltas(3, 1000)}
		}, true},
		{"deltas in excess", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 10, PacketStatusCount: 2, PacketChunks: []rtcp.PacketStatusChunk{run(small, 2)}, RecvDeltas: deltas(5, 1000)}
		}, true},
		{"run of 8191 received, one delta", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 8191, PacketStatusCount: 8191, PacketChunks: []rtcp.PacketStatusChunk{run(small, 8191)}, RecvDeltas: deltas(1, 1000)}
		}, true},
		{"chunks short of the status count", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 10, PacketStatusCount: 20, PacketChunks: []rtcp.PacketStatusChunk{run(lost, 5)}}
		}, true},
		{"nil chunk", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 10, PacketStatusCount: 5, PacketChunks: []rtcp.PacketStatusChunk{nil}}
		}, true},
		{"nil run-length chunk", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 10, PacketStatusCount: 5, PacketChunks: []rtcp.PacketStatusChunk{(*rtcp.RunLengthChunk)(nil)}}
		}, true},
		{"nil delta", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 10, PacketStatusCount: 2, PacketChunks: []rtcp.PacketStatusChunk{run(small, 2)}, RecvDeltas: []*rtcp.RecvDelta{{Delta: 250}, nil}}
		}, true},
		{"delta beyond the wire range", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 10, PacketStatusCount: 2, PacketChunks: []rtcp.PacketStatusChunk{run(large, 2)}, RecvDeltas: deltas(2, 1<<40)}
		}, true},
		{"status vector of unknown symbol size", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 10, PacketStatusCount: 7, PacketChunks: []rtcp.PacketStatusChunk{&rtcp.StatusVectorChunk{SymbolSize: 5, SymbolList: make([]uint16, 7)}}}
		}, true},
		{"empty status vector", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 10, PacketStatusCount: 7, PacketChunks: []rtcp.PacketStatusChunk{&rtcp.StatusVectorChunk{SymbolSize: rtcp.TypeTCCSymbolSizeTwoBit}}}
		}, true},
		{"never sent", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n, PacketStatusCount: 100, PacketChunks: []rtcp.PacketStatusChunk{run(small, 100)}, RecvDeltas: deltas(100, 1000)}
		}, true},
		{"too old", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 30000, PacketStatusCount: 8191, PacketChunks: []rtcp.PacketStatusChunk{run(lost, 8191)}}
		}, true},
		{"already reported", func(uint16) *rtcp.TransportLayerCC { return last }, true},
		{"run of 8191 lost", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 8000, PacketStatusCount: 8191, PacketChunks: []rtcp.PacketStatusChunk{run(lost, 8191)}}
		}, false},
		{"run of 8191 received without delta", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 8000, PacketStatusCount: 8191, PacketChunks: []rtcp.PacketStatusChunk{run(nodt, 8191)}}
		}, false},
		{"65535 packets in eight runs", func(n uint16) *rtcp.TransportLayerCC {
			fb := &rtcp.TransportLayerCC{BaseSequenceNumber: n - 1000, PacketStatusCount: 65535, RecvDeltas: deltas(8191, 250)}
			for i := range 8 {
				sym := lost
				if i == 0 {
					sym = small
				}
				fb.PacketChunks = append(fb.PacketChunks, run(sym, 8191))
			}
			fb.PacketChunks = append(fb.PacketChunks, run(lost, 7))
			return fb
		}, false},
		{"oversized status vector", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 20, PacketStatusCount: 14, PacketChunks: []rtcp.PacketStatusChunk{&rtcp.StatusVectorChunk{SymbolSize: rtcp.TypeTCCSymbolSizeOneBit, SymbolList: make([]uint16, 1000)}}}
		}, false},
		{"arrival going back 8 s a packet", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 50, PacketStatusCount: 50, PacketChunks: []rtcp.PacketStatusChunk{run(large, 50)}, RecvDeltas: deltas(50, -8_192_000)}
		}, false},
		{"arrival jumping 8 s a packet", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 50, ReferenceTime: 0xFFFFFF, PacketStatusCount: 50, PacketChunks: []rtcp.PacketStatusChunk{run(large, 50)}, RecvDeltas: deltas(50, 8_191_750)}
		}, false},
		{"reference time beyond 24 bits", func(n uint16) *rtcp.TransportLayerCC {
			return &rtcp.TransportLayerCC{BaseSequenceNumber: n - 5, ReferenceTime: 0xFFFFFFFF, PacketStatusCount: 5, PacketChunks: []rtcp.PacketStatusChunk{run(small, 5)}, RecvDeltas: deltas(5, 0)}
		}, false},
	}
	for _, c := range cases {
		s, _, now := warmSender(t)
		before := stateOf(s)
		fb := c.fb(uint16(s.next))
		s.onFeedback(fb, now)
		s.onFeedback(fb, now+int64(time.Second)) // again, later
		if got := s.targetBitrate(); got < testMinBitrate || got > testMaxBitrate {
			t.Errorf("%s: estimate %d out of bounds", c.name, got)
		}
		if _, loss := s.congestion(); loss < 0 || loss > 1 {
			t.Errorf("%s: loss %v", c.name, loss)
		}
		if c.ignored && *stateOf(s) != *before {
			t.Errorf("%s: the feedback changed the estimator's state", c.name)
		}
		if !c.ignored && *stateOf(s) == *before {
			t.Errorf("%s: the feedback was ignored", c.name)
		}
	}
}

// TestTWCCLossAccounting: loss is counted per packet once, across the sequence number wrap; a
// packet reported lost that is later reported received (it arrived late) no longer counts as
// lost; reports repeated change nothing.
func TestTWCCLossAccounting(t *testing.T) {
	const (
		small = rtcp.TypeTCCPacketReceivedSmallDelta
		lost  = rtcp.TypeTCCPacketNotReceived
	)
	s := newTWCCSender(testInitialBitrate, testMinBitrate, testMaxBitrate)
	s.next = 1<<16 - 20 // the 40 packets straddle the wrap
	now := simEpoch
	for range 40 {
		now += int64(time.Millisecond)
		s.stamp(1200, now)
	}
	base := uint16(1<<16 - 20)
	first := &rtcp.TransportLayerCC{BaseSequenceNumber: base, PacketStatusCount: 40, ReferenceTime: 10,
		PacketChunks: []rtcp.PacketStatusChunk{run(small, 10), run(lost, 10), run(small, 20)},
		RecvDeltas:   deltas(30, 1000)}
	late := &rtcp.TransportLayerCC{BaseSequenceNumber: base + 10, PacketStatusCount: 10, ReferenceTime: 11,
		PacketChunks: []rtcp.PacketStatusChunk{run(small, 10)}, RecvDeltas: deltas(10, 1000)}

	s.onFeedback(first, now+int64(50*time.Millisecond))
	if _, loss := s.congestion(); loss != 0.25 {
		t.Fatalf("loss %v with 10 of 40 packets lost, want 0.25", loss)
	}
	s.onFeedback(late, now+int64(60*time.Millisecond))
	if _, loss := s.congestion(); loss != 0 {
		t.Fatalf("loss %v once the lost packets arrived late, want 0", loss)
	}
	before := stateOf(s)
	s.onFeedback(first, now+int64(70*time.Millisecond))
	s.onFeedback(late, now+int64(80*time.Millisecond))
	if *stateOf(s) != *before {
		t.Fatal("repeated reports changed the estimator's state")
	}
}

// TestTWCCReferenceTime: the 24-bit reference time is unwrapped across its wrap in both
// directions (feedback may arrive out of order).
func TestTWCCReferenceTime(t *testing.T) {
	s := newTWCCSender(testInitialBitrate, testMinBitrate, testMaxBitrate)
	for i := range 10 {
		s.stamp(1200, simEpoch+int64(i)*int64(time.Millisecond))
	}
	var first int64
	for i, c := range []struct {
		ref  uint32
		want int64 // relative to the first
	}{{0xFFFFFE, 0}, {0xFFFFFF, 1}, {0, 2}, {0xFFFFFF, 1}, {3, 5}, {0xFFFFFD, -1}} {
		s.onFeedback(&rtcp.TransportLayerCC{BaseSequenceNumber: uint16(i), PacketStatusCount: 1, ReferenceTime: c.ref,
			PacketChunks: []rtcp.PacketStatusChunk{run(rtcp.TypeTCCPacketReceivedSmallDelta, 1)}, RecvDeltas: deltas(1, 0)},
			simEpoch+int64(50*time.Millisecond))
		if i == 0 {
			first = s.refTime
		}
		if got := s.refTime - first; got != c.want {
			t.Errorf("reference time %#x: unwrapped to %+d, want %+d", c.ref, got, c.want)
		}
	}
}

// TestTWCCRemembered: the part of a run of sequence numbers that runs without deltas visit is
// exactly the part the history remembers, whatever the wrap.
func TestTWCCRemembered(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, next := range []int64{0, 1, 100, twccHistorySize, twccHistorySize + 1, 65530, 70_000, 1 << 20} {
		s := newTWCCSender(testInitialBitrate, testMinBitrate, testMaxBitrate)
		s.next = max(next-twccHistorySize, 0)
		for s.next < next {
			s.stamp(1200, simEpoch)
		}
		for range 300 {
			start, n := uint16(rng.Uint32()), 1+rng.IntN(maxRunLength)
			if rng.IntN(2) == 0 { // near the remembered packets
				start = uint16(next) - uint16(rng.IntN(2*twccHistorySize))
			}
			lo, hi := s.remembered(start, n)
			for j := range n {
				if in := j >= lo && j < hi; in != (s.lookup(start+uint16(j)) != nil) {
					t.Fatalf("next %d, run of %d from %d: offset %d remembered %v, range [%d, %d)", next, n, start, j, !in, lo, hi)
				}
			}
		}
	}
}

// TestTWCCConcurrent: several down tracks stamp packets from their own goroutines while
// feedback arrives and the allocator reads the estimate (run with -race). Every packet gets its
// own sequence number.
func TestTWCCConcurrent(t *testing.T) {
	const writers, each = 4, 5000
	s := newTWCCSender(testInitialBitrate, testMinBitrate, testMaxBitrate)
	seqs := make([][]uint16, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				seqs[w] = append(seqs[w], s.stamp(1200, simEpoch+int64(i)*100_000))
			}
		})
	}
	wg.Go(func() {
		for i := range 200 {
			s.mu.Lock()
			next := uint16(s.next)
			s.mu.Unlock()
			s.onFeedback(&rtcp.TransportLayerCC{BaseSequenceNumber: next - 50, PacketStatusCount: 50,
				ReferenceTime: uint32(i), PacketChunks: []rtcp.PacketStatusChunk{run(rtcp.TypeTCCPacketReceivedSmallDelta, 50)},
				RecvDeltas: deltas(50, 250)}, simEpoch+int64(i)*int64(time.Millisecond))
			s.targetBitrate()
			s.congestion()
		}
	})
	wg.Wait()
	var seen [1 << 16]bool
	for _, list := range seqs {
		for _, q := range list {
			if seen[q] {
				t.Fatalf("sequence number %d given twice", q)
			}
			seen[q] = true
		}
	}
}

// TestTWCCRandomFeedback feeds thousands of random feedback structures, well-formed or not, to
// a sender: it never panics and the estimate stays within its bounds.
func TestTWCCRandomFeedback(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s := newTWCCSender(testInitialBitrate, testMinBitrate, testMaxBitrate)
	now := simEpoch
	for i := range 20_000 {
		now += int64(rng.IntN(3_000_000))
		s.stamp(rng.IntN(1500), now)
		if i%20 != 0 {
			continue
		}
		fb := &rtcp.TransportLayerCC{
			BaseSequenceNumber: uint16(s.next) - uint16(rng.IntN(200)),
			PacketStatusCount:  uint16(rng.IntN(64)),
			ReferenceTime:      rng.Uint32(),
			FbPktCount:         uint8(i),
		}
		if rng.IntN(10) == 0 {
			fb.PacketStatusCount = uint16(rng.Uint32())
		}
		timed := 0
		for range rng.IntN(12) {
			switch rng.IntN(3) {
			case 0:
				c := run(uint16(rng.IntN(4)), uint16(rng.IntN(20)))
				if c.PacketStatusSymbol == 1 || c.PacketStatusSymbol == 2 {
					timed += int(c.RunLength)
				}
				fb.PacketChunks = append(fb.PacketChunks, c)
			case 1:
				c := &rtcp.StatusVectorChunk{SymbolSize: uint16(rng.IntN(2))}
				for range rng.IntN(16) {
					c.SymbolList = append(c.SymbolList, uint16(rng.IntN(4)))
				}
				fb.PacketChunks = append(fb.PacketChunks, c)
			default:
				c := run(rtcp.TypeTCCPacketReceivedSmallDelta, uint16(rng.IntN(8192)))
				timed += int(c.RunLength)
				fb.PacketChunks = append(fb.PacketChunks, c)
			}
		}
		if rng.IntN(2) == 0 {
			timed = rng.IntN(100)
		}
		for range timed {
			fb.RecvDeltas = append(fb.RecvDeltas, &rtcp.RecvDelta{Delta: int64(rng.IntN(20_000_000)) - 10_000_000})
		}
		s.onFeedback(fb, now)
		if got := s.targetBitrate(); got < testMinBitrate || got > testMaxBitrate {
			t.Fatalf("estimate %d out of bounds", got)
		}
	}
}

// feedbackBytes returns marshalled feedback as a browser sends it, for packets 0 to 199 sent
// 1 ms apart: every seventh lost (status vectors), then a run of 30 lost, a 150 ms stall (large
// deltas), and packets arriving out of order.
func feedbackBytes(tb testing.TB) [][]byte {
	rec := twcc.NewRecorder(1)
	var out [][]byte
	flush := func() {
		for _, p := range rec.BuildFeedbackPacket() {
			raw, err := p.Marshal()
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, raw)
		}
	}
	at := int64(1_000_000) // µs
	for i := range 200 {
		at += 1000
		switch {
		case i < 100 && i%7 == 3, i >= 100 && i < 130:
			continue
		case i == 160:
			at += 150_000
		case i == 170:
			rec.Record(2, 171, at)
			rec.Record(2, 170, at+250)
			continue
		case i == 171:
			continue
		}
		rec.Record(2, uint16(i), at)
		if i%50 == 49 {
			flush()
		}
	}
	flush()
	return out
}

// FuzzTWCCFeedback: feedback comes from subscribers and is untrusted. Whatever the bytes, once
// parsed, processing them never panics and keeps the estimate within its bounds.
func FuzzTWCCFeedback(f *testing.F) {
	for _, raw := range feedbackBytes(f) {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkts, err := rtcp.Unmarshal(data)
		if err != nil {
			return
		}
		s := newTWCCSender(testInitialBitrate, testMinBitrate, testMaxBitrate)
		for i := range 300 {
			s.stamp(1200, simEpoch+int64(i)*int64(time.Millisecond))
		}
		now := simEpoch + int64(time.Second)
		for _, p := range pkts {
			if fb, ok := p.(*rtcp.TransportLayerCC); ok {
				s.onFeedback(fb, now)
				s.onFeedback(fb, now+int64(time.Second))
			}
		}
		if got := s.targetBitrate(); got < testMinBitrate || got > testMaxBitrate {
			t.Fatalf("estimate %d out of bounds", got)
		}
		if _, loss := s.congestion(); loss < 0 || loss > 1 {
			t.Fatalf("loss %v", loss)
		}
	})
}

// BenchmarkTWCCStamp is the per-packet cost on the send path.
func BenchmarkTWCCStamp(b *testing.B) {
	s := newTWCCSender(testInitialBitrate, testMinBitrate, testMaxBitrate)
	now := simEpoch
	b.ReportAllocs()
	for b.Loop() {
		now += 100_000
		s.stamp(1200, now)
	}
}

// BenchmarkTWCCFeedback is the cost of one feedback reporting 100 packets (a mix of runs and
// status vectors, with losses), including stamping those 100 packets.
func BenchmarkTWCCFeedback(b *testing.B) {
	// A template: 100 packets, every seventh lost, 1 ms apart.
	rec := twcc.NewRecorder(1)
	received := 0
	for i := range 100 {
		if i%7 != 3 {
			rec.Record(2, uint16(i), int64(i)*1000)
			received++
		}
	}
	raw, err := rtcp.Marshal(rec.BuildFeedbackPacket())
	if err != nil {
		b.Fatal(err)
	}
	pkts, err := rtcp.Unmarshal(raw)
	if err != nil {
		b.Fatal(err)
	}
	fb := pkts[0].(*rtcp.TransportLayerCC)
	if fb.PacketStatusCount != 100 || len(fb.RecvDeltas) != received {
		b.Fatalf("template reports %d packets, %d received", fb.PacketStatusCount, len(fb.RecvDeltas))
	}
	s := newTWCCSender(testInitialBitrate, testMinBitrate, testMaxBitrate)
	now := simEpoch
	ref := fb.ReferenceTime
	b.ReportAllocs()
	for b.Loop() {
		fb.BaseSequenceNumber = uint16(s.next)
		for range 100 {
			now += int64(time.Millisecond)
			s.stamp(1200, now)
		}
		ref += 2 // 128 ms later, for 100 ms of packets: a growing queue now and then
		fb.ReferenceTime = ref & 0xFFFFFF
		s.onFeedback(fb, now+int64(50*time.Millisecond))
	}
}
