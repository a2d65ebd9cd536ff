package sfu

import (
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

const audioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

// fakeBinding stands for a subscriber's negotiated sender.
type fakeBinding struct {
	written []rtp.Packet
	keep    bool
}

func (f *fakeBinding) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	if f.keep {
		p := rtp.Packet{Header: h.Clone(), Payload: append([]byte(nil), payload...)}
		f.written = append(f.written, p)
	}
	return len(payload), nil
}
func (f *fakeBinding) Write(b []byte) (int, error) { return len(b), nil }

func (f *fakeBinding) CodecParameters() []webrtc.RTPCodecParameters {
	return []webrtc.RTPCodecParameters{{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "video/VP8", ClockRate: 90000}, PayloadType: 100}}
}
func (f *fakeBinding) HeaderExtensions() []webrtc.RTPHeaderExtensionParameter {
	return []webrtc.RTPHeaderExtensionParameter{{URI: audioLevelURI, ID: 5}, {URI: "urn:ietf:params:rtp-hdrext:sdes:mid", ID: 1}}
}
func (f *fakeBinding) SSRC() webrtc.SSRC                       { return 4242 }
func (f *fakeBinding) SSRCRetransmission() webrtc.SSRC         { return 0 }
func (f *fakeBinding) SSRCForwardErrorCorrection() webrtc.SSRC { return 0 }
func (f *fakeBinding) WriteStream() webrtc.TrackLocalWriter    { return f }
func (f *fakeBinding) ID() string                              { return "binding" }
func (f *fakeBinding) RTCPReader() interceptor.RTCPReader      { return nil }

func testTrack() *publishedTrack {
	return &publishedTrack{
		id:   "TR_test",
		kind: webrtc.RTPCodecTypeVideo,
		codec: webrtc.RTPCodecParameters{
			RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "video/VP8", ClockRate: 90000}, PayloadType: 96,
		},
		extensions: []webrtc.RTPHeaderExtensionParameter{{URI: audioLevelURI, ID: 1}, {URI: "urn:ietf:params:rtp-hdrext:sdes:mid", ID: 3}},
	}
}

func packet(seq uint16) *rtp.Packet {
	p := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: uint32(seq) * 3000, SSRC: 1}, Payload: []byte{byte(seq), 1, 2, 3}}
	_ = p.Header.SetExtension(1, []byte{0x80 | 30}) // audio level
	_ = p.Header.SetExtension(3, []byte("0"))       // publisher's mid: must not be forwarded
	return p
}

func TestDownTrackRewrite(t *testing.T) {
	b := &fakeBinding{keep: true}
	d := newDownTrack(testTrack(), nil, nil, nil)
	if _, err := d.Bind(b); err != nil {
		t.Fatal(err)
	}
	// 10 packets, then 3 dropped (muted), then 3 more, then a late retransmission from before
	// the drop, then a retransmission from after it.
	for s := uint16(65530); s != 4; s++ { // crosses the 16-bit wrap
		if _, err := d.writeRTP(packet(s), 0, &vp8Descriptor{}, 0); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		d.drop(0)
	}
	for _, s := range []uint16{7, 8, 9, 2, 8} {
		if _, err := d.writeRTP(packet(s), 0, &vp8Descriptor{}, 0); err != nil {
			t.Fatal(err)
		}
	}
	var seqs []uint16
	for _, p := range b.written {
		seqs = append(seqs, p.SequenceNumber)
		if p.SSRC != 4242 || p.PayloadType != 100 {
			t.Errorf("packet %d: ssrc %d pt %d, want 4242 and 100", p.SequenceNumber, p.SSRC, p.PayloadType)
		}
		if got := p.GetExtension(5); len(got) != 1 || got[0] != 0x80|30 {
			t.Errorf("packet %d: audio level extension %v, want it remapped to id 5", p.SequenceNumber, got)
		}
		if p.GetExtension(1) != nil || p.GetExtension(3) != nil {
			t.Errorf("packet %d: publisher-hop extensions were forwarded", p.SequenceNumber)
		}
	}
	want := []uint16{65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 4, 5, 6, 5}
	if len(seqs) != len(want) {
		t.Fatalf("sequence numbers %v, want %v", seqs, want)
	}
	for i := range want {
		if seqs[i] != want[i] {
			t.Fatalf("sequence numbers %v, want %v", seqs, want)
		}
	}
}

func TestDownTrackUnbound(t *testing.T) {
	d := newDownTrack(testTrack(), nil, nil, nil)
	if ok, err := d.writeRTP(packet(1), 0, &vp8Descriptor{}, 0); ok || err != nil {
		t.Fatalf("write before bind: ok=%v err=%v, want dropped", ok, err)
	}
	b := &fakeBinding{keep: true}
	if _, err := d.Bind(b); err != nil {
		t.Fatal(err)
	}
	if ok, _ := d.writeRTP(packet(2), 0, &vp8Descriptor{}, 0); !ok {
		t.Fatal("write after bind dropped")
	}
	_ = d.Unbind(b)
	if ok, _ := d.writeRTP(packet(3), 0, &vp8Descriptor{}, 0); ok {
		t.Fatal("write after unbind forwarded")
	}
}

func TestMatchCodec(t *testing.T) {
	have := []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "video/H264", SDPFmtpLine: "profile-level-id=42e01f"}, PayloadType: 102},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "video/H264", SDPFmtpLine: "profile-level-id=640032"}, PayloadType: 104},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "video/vp8"}, PayloadType: 96},
	}
	tests := []struct {
		want webrtc.RTPCodecCapability
		pt   webrtc.PayloadType
		ok   bool
	}{
		{webrtc.RTPCodecCapability{MimeType: "video/VP8"}, 96, true},
		{webrtc.RTPCodecCapability{MimeType: "video/H264", SDPFmtpLine: "profile-level-id=640032"}, 104, true},
		{webrtc.RTPCodecCapability{MimeType: "video/H264", SDPFmtpLine: "other"}, 102, true},
		{webrtc.RTPCodecCapability{MimeType: "video/AV1"}, 0, false},
	}
	for _, tt := range tests {
		got, ok := matchCodec(tt.want, have)
		if ok != tt.ok || got.PayloadType != tt.pt {
			t.Errorf("matchCodec(%s %s) = %d %v, want %d %v", tt.want.MimeType, tt.want.SDPFmtpLine, got.PayloadType, ok, tt.pt, tt.ok)
		}
	}
}

// BenchmarkDownTrackWrite is the per-subscriber cost of forwarding one packet, without the
// encryption and send that the WebRTC stack does after it.
func BenchmarkDownTrackWrite(b *testing.B) {
	d := newDownTrack(testTrack(), nil, nil, nil)
	if _, err := d.Bind(&fakeBinding{}); err != nil {
		b.Fatal(err)
	}
	p := packet(1)
	p.Payload = make([]byte, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.SequenceNumber = uint16(i)
		if ok, err := d.writeRTP(p, 0, &vp8Descriptor{}, 0); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// TestDownTrackLongStream: a stream forwarded for longer than the sequence space (more than
// 65,536 packets: 20 minutes of audio, a few minutes of video) keeps going, every packet
// forwarded with the next sequence number; a packet from before a drop is still refused.
func TestDownTrackLongStream(t *testing.T) {
	b := &fakeBinding{}
	d := newDownTrack(testTrack(), nil, nil, nil)
	if _, err := d.Bind(b); err != nil {
		t.Fatal(err)
	}
	p := packet(0)
	for i := 1; i <= 200_000; i++ {
		p.SequenceNumber = uint16(1000 + i)
		ok, err := d.writeRTP(p, 0, &vp8Descriptor{}, 0)
		if !ok || err != nil {
			t.Fatalf("packet %d not forwarded: %v %v", i, ok, err)
		}
		if want := uint16(1000 + i); d.lastOut != want {
			t.Fatalf("packet %d went out as %d, want %d", i, d.lastOut, want)
		}
	}
	d.drop(0)
	p.SequenceNumber += 10
	if ok, _ := d.writeRTP(p, 0, &vp8Descriptor{}, 0); !ok {
		t.Fatal("the packet after a drop was not forwarded")
	}
	p.SequenceNumber -= 5
	if ok, _ := d.writeRTP(p, 0, &vp8Descriptor{}, 0); ok {
		t.Fatal("a packet from before the drop was forwarded")
	}
}

// BenchmarkFanOut forwards one packet to 50 subscribers on one goroutine: the per-subscriber
// cost (publishedTrack.forward shares that many between two goroutines, see TestFanOutSplit).
func BenchmarkFanOut(b *testing.B) {
	t := testTrack()
	t.metrics = NewMetrics(nil)
	for i := 0; i < 50; i++ {
		d := newDownTrack(t, nil, nil, nil)
		if _, err := d.Bind(&fakeBinding{}); err != nil {
			b.Fatal(err)
		}
		t.addDown(d)
	}
	p := packet(1)
	p.Payload = make([]byte, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.SequenceNumber = uint16(i)
		for _, d := range *t.downs.Load() {
			if ok, err := d.writeRTP(p, 0, &vp8Descriptor{}, 0); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	}
}

// sendCached forwards packets from to to-1 of layer 0 to d, keeping them in the layer's cache
// as forward does.
func sendCached(t testing.TB, tr *publishedTrack, d *DownTrack, from, to uint16) {
	t.Helper()
	for s := from; s != to; s++ {
		p := packet(s)
		raw, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		tr.layers[0].cache.put(s, raw)
		if _, err := d.writeRTP(p, 0, &vp8Descriptor{}, 0); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRetransmitFromSharedCache: a NACKed packet is sent again from the layer's cache with the
// same sequence number, timestamp and payload the subscriber first got.
func TestRetransmitFromSharedCache(t *testing.T) {
	tr := testTrack()
	tr.layers[0] = &layer{idx: 0, cache: &packetCache{}}
	tr.kind = videoKind
	b := &fakeBinding{keep: true}
	d := newDownTrack(tr, nil, nil, nil)
	if _, err := d.Bind(b); err != nil {
		t.Fatal(err)
	}
	sendCached(t, tr, d, 10, 20)
	first := b.written[3]
	if !d.retransmit(first.SequenceNumber) {
		t.Fatal("retransmit refused a packet that is in the cache")
	}
	again := b.written[len(b.written)-1]
	if again.SequenceNumber != first.SequenceNumber || again.Timestamp != first.Timestamp ||
		again.SSRC != first.SSRC || string(again.Payload) != string(first.Payload) {
		t.Fatalf("retransmission %+v differs from the original %+v", again.Header, first.Header)
	}
	if d.retransmit(first.SequenceNumber + 1000) {
		t.Fatal("retransmitted a packet never sent")
	}
}

func BenchmarkCachePut(b *testing.B) {
	var c packetCache
	pkt := make([]byte, 1100)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.put(uint16(i), pkt)
	}
}

// TestFanOutSplit: with many subscribers, one packet's sends are shared by two goroutines; every
// subscriber still gets every packet once, in order.
func TestFanOutSplit(t *testing.T) {
	tr := testTrack()
	var bindings []*fakeBinding
	var downs []*DownTrack
	for i := 0; i < fanOutSplit+11; i++ {
		b := &fakeBinding{keep: true}
		d := newDownTrack(tr, nil, nil, nil)
		if _, err := d.Bind(b); err != nil {
			t.Fatal(err)
		}
		bindings, downs = append(bindings, b), append(downs, d)
	}
	f := startFanOut()
	defer f.stop()
	for seq := uint16(100); seq < 110; seq++ {
		r := f.writeSplit(downs, packet(seq), 0, &vp8Descriptor{}, int64(seq))
		if r.sent != len(downs) || r.failed != 0 {
			t.Fatalf("packet %d: sent %d, failed %d; want %d, 0", seq, r.sent, r.failed, len(downs))
		}
	}
	for i, b := range bindings {
		if len(b.written) != 10 {
			t.Fatalf("subscriber %d got %d packets, want 10", i, len(b.written))
		}
		for k := 1; k < len(b.written); k++ {
			if b.written[k].SequenceNumber != b.written[k-1].SequenceNumber+1 {
				t.Fatalf("subscriber %d: sequence %d after %d", i, b.written[k].SequenceNumber, b.written[k-1].SequenceNumber)
			}
		}
	}
}
