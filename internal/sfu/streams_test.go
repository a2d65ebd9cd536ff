package sfu

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/transport/v5/packetio"
)

// rtcpPeer is a peer with one down track (SSRC 4242, five packets sent) of a track it also
// receives (one layer, SSRC 5678), for the incoming RTCP handlers. Keyframe requests go to plis.
func rtcpPeer(t testing.TB) (*Peer, *fakeBinding, *layer, *[]uint32) {
	tr := testTrack()
	tr.kind = videoKind
	tr.metrics = NewMetrics(nil)
	l := &layer{idx: 0, cache: &packetCache{}, recv: newRecvStream(5678, 90000, true)}
	tr.layers[0] = l
	plis := new([]uint32)
	tr.sendPLI = func(ssrc uint32) { *plis = append(*plis, ssrc) }
	b := &fakeBinding{keep: true}
	d := newDownTrack(tr, nil, nil, nil)
	if _, err := d.Bind(b); err != nil {
		t.Fatal(err)
	}
	sendCached(t, tr, d, 10, 15)
	p := &Peer{
		metrics:  tr.metrics,
		feedback: newPubFeedback(),
		twcc:     newTWCCSender(initialBitrate, minBitrate, maxBitrate),
		routes:   routes{downs: map[uint32]*DownTrack{4242: d}, layers: map[uint32]*layer{5678: l}},
	}
	return p, b, l, plis
}

func marshal(t testing.TB, pkts ...rtcp.Packet) []byte {
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestIncomingRTCP: what the SRTP sessions write to the RTCP sinks is acted on as it is written:
// a subscriber's NACK for its down track is answered from the layer's cache (and one for another
// SSRC is not), a PLI becomes a keyframe request to the publisher, a publisher's sender report
// dates the layer's receiver reports; the sink never has anything to read, and once closed drops
// what is written.
func TestIncomingRTCP(t *testing.T) {
	p, b, l, plis := rtcpPeer(t)
	sent := len(b.written)
	sub := p.subscriberBuffers(packetio.RTCPBufferPacket, 4242)
	nack := marshal(t, &rtcp.TransportLayerNack{MediaSSRC: 4242, Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{b.written[1].SequenceNumber})})
	if _, err := sub.Write(nack); err != nil {
		t.Fatal(err)
	}
	if len(b.written) != sent+1 || b.written[sent].SequenceNumber != b.written[1].SequenceNumber {
		t.Fatalf("NACK: %d packets sent again, want the one asked for", len(b.written)-sent)
	}
	other := marshal(t, &rtcp.TransportLayerNack{MediaSSRC: 99, Nacks: rtcp.NackPairsFromSequenceNumbers([]uint16{b.written[1].SequenceNumber})})
	if _, err := sub.Write(other); err != nil {
		t.Fatal(err)
	}
	if len(b.written) != sent+1 {
		t.Fatal("a NACK about another SSRC was answered")
	}

	if _, err := sub.Write(marshal(t, &rtcp.PictureLossIndication{MediaSSRC: 4242})); err != nil {
		t.Fatal(err)
	}
	if len(*plis) != 1 || (*plis)[0] != 5678 {
		t.Fatalf("PLI from the subscriber: keyframe requests %v to the publisher, want one for SSRC 5678", *plis)
	}

	pub := p.publisherBuffers(packetio.RTCPBufferPacket, 5678)
	l.recv.onPacket(&packet(1).Header, time.Now(), nil) // a report needs a packet received
	sr := marshal(t, &rtcp.SenderReport{SSRC: 5678, NTPTime: 0x1122334455667788, RTPTime: 1})
	if _, err := pub.Write(sr); err != nil {
		t.Fatal(err)
	}
	rr, _ := l.recv.report(time.Now())
	if rr.LastSenderReport != 0x33445566 {
		t.Errorf("receiver report LSR %#x, want the middle of the sender report's NTP time", rr.LastSenderReport)
	}

	read := make(chan error, 1)
	go func() {
		_, err := sub.Read(make([]byte, 100))
		read <- err
	}()
	select {
	case <-read:
		t.Fatal("a read returned before the sink was closed")
	case <-time.After(20 * time.Millisecond):
	}
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-read; err == nil {
		t.Error("read on a closed sink: no error")
	}
	sent = len(b.written)
	if _, err := sub.Write(nack); err != nil || len(b.written) != sent {
		t.Errorf("write on a closed sink: %v, %d packets sent again; want it dropped quietly", err, len(b.written)-sent)
	}
}

// TestPublisherArrivals: every RTP packet written to a publisher connection's buffers is
// recorded for transport-wide feedback, whatever its stream, and can then be read.
func TestPublisherArrivals(t *testing.T) {
	p, _, _, _ := rtcpPeer(t)
	p.feedback.extID.Store(2)
	var bufs []interface {
		Write([]byte) (int, error)
		Read([]byte) (int, error)
	}
	for ssrc := uint32(1); ssrc <= 2; ssrc++ {
		buf := p.publisherBuffers(packetio.RTPBufferPacket, ssrc)
		defer buf.Close()
		bufs = append(bufs, buf)
	}
	for i := 0; i < 4; i++ {
		pkt := packet(uint16(i))
		pkt.SSRC = uint32(i%2 + 1)
		_ = pkt.Header.SetExtension(2, []byte{0, byte(i)})
		raw, err := pkt.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bufs[i%2].Write(raw); err != nil {
			t.Fatal(err)
		}
	}
	fb := p.feedback.feedback()
	if len(fb) != 1 || fb[0].(*rtcp.TransportLayerCC).PacketStatusCount != 4 {
		t.Fatalf("feedback %v, want one packet covering the 4 arrivals", fb)
	}
	got := make([]byte, 1500)
	if n, err := bufs[0].Read(got); err != nil || n == 0 {
		t.Fatalf("read after recording: %d bytes, %v", n, err)
	}
}

// FuzzIncomingRTCP: no RTCP packet from a subscriber or a publisher, however malformed, makes
// the handlers panic.
func FuzzIncomingRTCP(f *testing.F) {
	f.Add(marshal(f, &rtcp.TransportLayerNack{MediaSSRC: 4242, Nacks: []rtcp.NackPair{{PacketID: 2, LostPackets: 0xffff}}}))
	f.Add(marshal(f, &rtcp.PictureLossIndication{MediaSSRC: 4242}))
	f.Add(marshal(f, &rtcp.FullIntraRequest{MediaSSRC: 4242, FIR: []rtcp.FIREntry{{SSRC: 4242}}}))
	f.Add(marshal(f, &rtcp.SenderReport{SSRC: 5678}))
	f.Add(marshal(f, &rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 4242}}}))
	f.Add(marshal(f, &rtcp.TransportLayerCC{MediaSSRC: 4242, BaseSequenceNumber: 1, PacketStatusCount: 2,
		PacketChunks: []rtcp.PacketStatusChunk{&rtcp.RunLengthChunk{PacketStatusSymbol: rtcp.TypeTCCPacketReceivedSmallDelta, RunLength: 2}},
		RecvDeltas:   []*rtcp.RecvDelta{{Type: rtcp.TypeTCCPacketReceivedSmallDelta, Delta: 250}, {Type: rtcp.TypeTCCPacketReceivedSmallDelta, Delta: 500}}}))
	f.Add([]byte{0x81, 205, 0, 2, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, _, _, _ := rtcpPeer(t)
		p.onSubscriberRTCP(4242, b)
		p.onPublisherRTCP(5678, b)
	})
}
