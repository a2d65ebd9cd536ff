package sfu

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

func recvAt(s *recvStream, seq uint16, at time.Time) []uint16 {
	h := rtp.Header{SSRC: 1234, SequenceNumber: seq, Timestamp: uint32(seq) * 3000}
	return slices.Clone(s.onPacket(&h, at, nil))
}

// TestRecvStreamNACK: a gap is asked for at once, asked again after nackRetryAfter while still
// missing, at most maxNackTries times and never once it arrives; a jump too large to be loss
// (a restarted encoder) asks for nothing.
func TestRecvStreamNACK(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := newRecvStream(1234, 90000, true)
	recvAt(s, 65533, t0)
	recvAt(s, 65534, t0)
	// 65535, 0 and 1 are lost: the sequence wraps.
	if got := recvAt(s, 2, t0.Add(time.Millisecond)); !slices.Equal(got, []uint16{65535, 0, 1}) {
		t.Fatalf("lost after the gap = %v, want [65535 0 1]", got)
	}
	if got := s.retry(t0.Add(10*time.Millisecond), nil); len(got) != 0 {
		t.Fatalf("asked again after 10 ms: %v", got)
	}
	recvAt(s, 0, t0.Add(20*time.Millisecond)) // a retransmission arrives
	if got := s.retry(t0.Add(50*time.Millisecond), nil); !slices.Equal(got, []uint16{65535, 1}) {
		t.Fatalf("retry = %v, want [65535 1]", got)
	}
	tries := 2
	for at := 100 * time.Millisecond; at < 900*time.Millisecond; at += 50 * time.Millisecond {
		if got := s.retry(t0.Add(at), nil); len(got) > 0 {
			tries++
		}
	}
	if tries != maxNackTries {
		t.Errorf("asked %d times, want %d", tries, maxNackTries)
	}
	if s.nMissing != 0 {
		t.Errorf("%d packets still waited for after the last try", s.nMissing)
	}

	if got := recvAt(s, 2+maxGap+10, t0.Add(time.Second)); len(got) != 0 {
		t.Errorf("a jump of %d asked for %d packets", maxGap+10, len(got))
	}

	audio := newRecvStream(1, 48000, false)
	recvAt(audio, 10, t0)
	if got := recvAt(audio, 20, t0); len(got) != 0 {
		t.Errorf("audio asked for %v", got)
	}
}

// TestRecvStreamMissingBounded: heavy loss keeps at most maxMissing packets waited for, the
// newest ones.
func TestRecvStreamMissingBounded(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := newRecvStream(1, 90000, true)
	for i := 0; i < 100; i++ {
		recvAt(s, uint16(i*3), t0) // two of every three lost
	}
	if s.nMissing != maxMissing {
		t.Fatalf("%d packets waited for, want %d", s.nMissing, maxMissing)
	}
	if last := s.missing[s.nMissing-1].seq; last != 296 {
		t.Errorf("newest missing = %d, want 296", last)
	}
}

// TestRecvStreamReport: receiver report blocks (RFC 3550 section 6.4.1) count the loss of the
// last interval and in all, the extended highest sequence number across a wrap, and the delay
// since the publisher's last sender report.
func TestRecvStreamReport(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := newRecvStream(1234, 90000, true)
	if _, ok := s.report(t0); ok {
		t.Fatal("a report before any packet")
	}
	for seq := uint16(65526); seq != 10; seq++ { // 20 packets across the wrap, 5 lost
		if seq%4 == 0 {
			continue
		}
		recvAt(s, seq, t0)
	}
	s.onSenderReport(&rtcp.SenderReport{SSRC: 1234, NTPTime: 0x1122334455667788}, t0)
	rr, ok := s.report(t0.Add(500 * time.Millisecond))
	if !ok {
		t.Fatal("no report")
	}
	if rr.SSRC != 1234 || rr.LastSequenceNumber != 1<<16|9 {
		t.Errorf("ssrc %d, highest %#x; want 1234, 0x10009", rr.SSRC, rr.LastSequenceNumber)
	}
	if rr.TotalLost != 5 || rr.FractionLost != 5*256/20 {
		t.Errorf("lost %d (fraction %d/256), want 5 (%d/256)", rr.TotalLost, rr.FractionLost, 5*256/20)
	}
	if rr.LastSenderReport != 0x33445566 || rr.Delay != 65536/2 {
		t.Errorf("LSR %#x DLSR %d, want 0x33445566 and %d", rr.LastSenderReport, rr.Delay, 65536/2)
	}
	for seq := uint16(10); seq < 30; seq++ {
		recvAt(s, seq, t0)
	}
	rr, _ = s.report(t0.Add(time.Second))
	if rr.FractionLost != 0 || rr.TotalLost != 5 {
		t.Errorf("second interval: fraction %d, total %d; want 0 and 5", rr.FractionLost, rr.TotalLost)
	}
}

// TestPubFeedback: arrivals recorded by transport-wide sequence number come back as one
// transport-cc feedback, and nothing is sent when nothing arrived.
func TestPubFeedback(t *testing.T) {
	f := newPubFeedback()
	f.setExtensions([]webrtc.RTPHeaderExtensionParameter{{URI: sdp.TransportCCURI, ID: 5}})
	if f.feedback() != nil {
		t.Fatal("feedback with nothing recorded")
	}
	now := time.Now()
	for i := uint16(0); i < 10; i++ {
		if i == 4 {
			continue
		}
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 99, SequenceNumber: 7 + i}, Payload: []byte{1}}
		if err := pkt.Header.SetExtension(5, binary.BigEndian.AppendUint16(nil, 100+i)); err != nil {
			t.Fatal(err)
		}
		b, err := pkt.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		f.arrivedAt(b, now.Add(time.Duration(i)*time.Millisecond))
	}
	f.arrivedAt([]byte{0x80, 1, 2}, now) // not RTP: ignored
	pkts := f.feedback()
	if len(pkts) != 1 {
		t.Fatalf("%d feedback packets, want 1", len(pkts))
	}
	fb, ok := pkts[0].(*rtcp.TransportLayerCC)
	if !ok {
		t.Fatalf("feedback is %T", pkts[0])
	}
	if fb.MediaSSRC != 99 || fb.BaseSequenceNumber != 100 || fb.PacketStatusCount != 10 || len(fb.RecvDeltas) != 9 {
		t.Errorf("feedback: media %d, base %d, count %d, deltas %d; want 99, 100, 10, 9",
			fb.MediaSSRC, fb.BaseSequenceNumber, fb.PacketStatusCount, len(fb.RecvDeltas))
	}
	if f.feedback() != nil {
		t.Error("the same arrivals reported twice")
	}
}

func TestNTPTime(t *testing.T) {
	got := ntpTime(time.Unix(1, 500_000_000))
	if want := uint64(2208988801)<<32 | 1<<31; got != want {
		t.Errorf("ntpTime = %#x, want %#x", got, want)
	}
}

// TestCacheDropsDuplicates: a packet received again (a browser probing its uplink resends recent
// packets over RTX) is refused by the layer's cache, so that forwarding skips it: subscribers
// would drop it as an SRTP replay after counting it against their bandwidth estimate.
func TestCacheDropsDuplicates(t *testing.T) {
	var c packetCache
	if !c.put(7, []byte{1, 2, 3}) {
		t.Fatal("first packet refused")
	}
	if c.put(7, []byte{1, 2, 3}) {
		t.Error("duplicate accepted")
	}
	if !c.put(7+cacheSize, []byte{4}) {
		t.Error("a later packet in the same slot refused")
	}
	buf := make([]byte, 10)
	if n, ok := c.get(7+cacheSize, buf); !ok || n != 1 {
		t.Errorf("get = %d, %v", n, ok)
	}
}

type rtcpRecorder struct{ batches [][]rtcp.Packet }

func (r *rtcpRecorder) WriteRTCP(p []rtcp.Packet) error {
	r.batches = append(r.batches, p)
	return nil
}

// TestWriteRTCPBounded: the server's RTCP goes in compound packets of at most maxRTCPSize bytes,
// in order, none lost.
func TestWriteRTCPBounded(t *testing.T) {
	var pkts []rtcp.Packet
	for i := 0; i < 100; i++ {
		pkts = append(pkts, nackPacket(1, uint32(i), []uint16{uint16(i)}))
	}
	pkts = append(pkts, &rtcp.ReceiverReport{SSRC: 1, Reports: make([]rtcp.ReceptionReport, 31)})
	var r rtcpRecorder
	if err := writeRTCP(&r, pkts); err != nil {
		t.Fatal(err)
	}
	var got []rtcp.Packet
	for _, b := range r.batches {
		size := 0
		for _, p := range b {
			size += p.MarshalSize()
		}
		if size > maxRTCPSize {
			t.Errorf("a compound packet of %d bytes", size)
		}
		got = append(got, b...)
	}
	if len(got) != len(pkts) {
		t.Fatalf("%d packets sent, want %d", len(got), len(pkts))
	}
	for i := range got {
		if got[i] != pkts[i] {
			t.Fatalf("packet %d out of order", i)
		}
	}
}

// TestRTCPLoopClosesWhenIdle: with no peers the engine's RTCP goroutine sleeps (every app test
// then wakes it by adding peers); it still ends on close.
func TestRTCPLoopClosesWhenIdle(t *testing.T) {
	l := newRTCPLoop()
	time.Sleep(3 * rtcpTick) // a tick finds no peers and the loop goes to sleep
	done := make(chan struct{})
	go func() { l.close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the RTCP goroutine did not end")
	}
}
