package sfu

import (
	"encoding/binary"
	"io"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/transport/v5/packetio"
)

// Where the decrypted packets of a peer's connections go. Pion's SRTP session decrypts each
// packet on its read goroutine and writes it to the buffer of its SSRC, made by the connection's
// buffer factory; an application goroutine then reads it. Each such hand-off wakes a goroutine,
// which at these packet rates costs more than the work done with the packet. So the buffers made
// here act on what needs no goroutine of its own, on pion's read goroutine:
//   - the arrival of every packet on a publisher connection is recorded for transport-wide
//     feedback as it is decrypted, then the packet is buffered for its layer's forwarding;
//   - RTCP is handled as it is decrypted and never buffered: a subscriber's feedback, NACKs and
//     keyframe requests, and a publisher's sender reports.

// rtpBufferLimit is the size limit of pion's own SRTP buffers, kept: past it packets are dropped.
const rtpBufferLimit = 1_000_000

// packetBuffer is the buffer of one incoming RTP stream, as pion would make it, with a hook on
// each write.
type packetBuffer struct {
	*packetio.Buffer
	onWrite func(b []byte) // on pion's read goroutine, before the packet is buffered; may be nil
}

func newPacketBuffer(onWrite func([]byte)) *packetBuffer {
	b := &packetBuffer{Buffer: packetio.NewBuffer(), onWrite: onWrite}
	b.SetLimitSize(rtpBufferLimit)
	return b
}

func (b *packetBuffer) Read(p []byte) (int, error) {
	n, _, err := b.Buffer.Read(p, nil)
	return n, err
}

func (b *packetBuffer) Write(p []byte) (int, error) {
	return b.WriteWithAttributes(p, nil)
}

// ReadWithAttributes and WriteWithAttributes keep what pion attaches to a packet.
func (b *packetBuffer) ReadWithAttributes(p []byte, a packetio.Attributes) (int, packetio.Attributes, error) {
	return b.Buffer.Read(p, a)
}

func (b *packetBuffer) WriteWithAttributes(p []byte, a packetio.Attributes) (int, error) {
	if b.onWrite != nil {
		b.onWrite(p)
	}
	return b.Buffer.Write(p, a)
}

// rtcpSink takes the place of the buffer of one SSRC's incoming RTCP: each packet (pion splits
// compound packets, and writes each part to the streams of the SSRCs it names) is handled as it
// is written, and nothing is ever there to read.
type rtcpSink struct {
	ssrc   uint32
	handle func(ssrc uint32, b []byte)
	once   sync.Once
	closed chan struct{}
}

func newRTCPSink(ssrc uint32, handle func(uint32, []byte)) *rtcpSink {
	return &rtcpSink{ssrc: ssrc, handle: handle, closed: make(chan struct{})}
}

// Write handles one RTCP packet. Once the sink is closed (its stream went away) packets are
// dropped without an error: pion would otherwise skip the rest of the compound packet, meant for
// other SSRCs.
func (s *rtcpSink) Write(b []byte) (int, error) {
	select {
	case <-s.closed:
	default:
		s.handle(s.ssrc, b)
	}
	return len(b), nil
}

// Read blocks until the sink is closed: RTCP is handled as it arrives, nobody reads it.
func (s *rtcpSink) Read([]byte) (int, error) {
	<-s.closed
	return 0, io.EOF
}

func (s *rtcpSink) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

// publisherBuffers is the buffer factory of p's publisher connection.
func (p *Peer) publisherBuffers(kind packetio.BufferPacketType, ssrc uint32) io.ReadWriteCloser {
	if kind == packetio.RTCPBufferPacket {
		return newRTCPSink(ssrc, p.onPublisherRTCP)
	}
	return newPacketBuffer(p.feedback.arrived)
}

// subscriberBuffers is the buffer factory of p's subscriber connection. A subscriber sends no
// media: should one send RTP anyway, pion reads and drops it.
func (p *Peer) subscriberBuffers(kind packetio.BufferPacketType, ssrc uint32) io.ReadWriteCloser {
	if kind == packetio.RTCPBufferPacket {
		return newRTCPSink(ssrc, p.onSubscriberRTCP)
	}
	return newPacketBuffer(nil)
}

// rtcpHeaderLen is the size of an RTCP header: version, count or format, type, length.
const rtcpHeaderLen = 4

// onSubscriberRTCP handles one RTCP packet from the subscriber, written to the stream of ssrc:
// transport-wide feedback goes to the connection's bandwidth estimator, NACKs are answered from
// the layer's cache, keyframe requests (PLI, FIR) go on to the publisher. Receiver reports and
// the rest are not used.
func (p *Peer) onSubscriberRTCP(ssrc uint32, b []byte) {
	if len(b) < rtcpHeaderLen {
		return
	}
	typ, format := rtcp.PacketType(b[1]), b[0]&0x1f
	switch {
	case typ == rtcp.TypeTransportSpecificFeedback && format == rtcp.FormatTCC:
		// Written once, to the stream of its media SSRC, whatever that is. The packet is parsed
		// into the connection's scratch feedback (one SRTCP read goroutine per connection), whose
		// slices pion's Unmarshal appends to.
		fb := &p.fbScratch
		fb.PacketChunks, fb.RecvDeltas = fb.PacketChunks[:0], fb.RecvDeltas[:0]
		if fb.Unmarshal(b) == nil {
			p.twcc.onFeedback(fb, time.Now().UnixNano())
		}
		return
	case typ == rtcp.TypeTransportSpecificFeedback && format == rtcp.FormatTLN,
		typ == rtcp.TypePayloadSpecificFeedback && (format == rtcp.FormatPLI || format == rtcp.FormatFIR):
	default:
		return
	}
	d := p.downTrack(ssrc)
	if d == nil {
		return
	}
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		return
	}
	t := d.track
	for _, pkt := range pkts {
		switch pkt := pkt.(type) {
		case *rtcp.PictureLossIndication:
			if pkt.MediaSSRC == ssrc {
				t.requestKeyframe(d.targetLayer())
			}
		case *rtcp.FullIntraRequest:
			for _, e := range pkt.FIR {
				if e.SSRC == ssrc {
					t.requestKeyframe(d.targetLayer())
					break
				}
			}
		case *rtcp.TransportLayerNack:
			if pkt.MediaSSRC != ssrc {
				continue
			}
			for _, pair := range pkt.Nacks {
				pair.Range(func(seq uint16) bool {
					t.metrics.NACKs.Inc()
					if d.retransmit(seq) {
						t.metrics.Retransmissions.Inc()
					}
					return true
				})
			}
		}
	}
}

// onPublisherRTCP handles one RTCP packet from the publisher: its sender reports date our
// receiver reports (RFC 3550 LSR and DLSR), from which it measures the round trip, and go to
// the room's media tap (a recording aligns its tracks with them).
func (p *Peer) onPublisherRTCP(ssrc uint32, b []byte) {
	if len(b) < rtcpHeaderLen || rtcp.PacketType(b[1]) != rtcp.TypeSenderReport {
		return
	}
	l := p.layerBySSRC(ssrc)
	if l == nil {
		return
	}
	var sr rtcp.SenderReport
	if sr.Unmarshal(b) == nil && sr.SSRC == ssrc {
		now := time.Now()
		l.recv.onSenderReport(&sr, now)
		if l.track != nil {
			l.track.tapSenderReport(l.idx, &sr, now.UnixNano())
		}
	}
}

// routes maps SSRCs to what their RTCP is about, for the handlers above.
type routes struct {
	mu     sync.RWMutex
	downs  map[uint32]*DownTrack // subscriber connection: the down track sent with each SSRC
	layers map[uint32]*layer     // publisher connection: the layer received with each SSRC
}

func (p *Peer) downTrack(ssrc uint32) *DownTrack {
	p.routes.mu.RLock()
	defer p.routes.mu.RUnlock()
	return p.routes.downs[ssrc]
}

func (p *Peer) layerBySSRC(ssrc uint32) *layer {
	p.routes.mu.RLock()
	defer p.routes.mu.RUnlock()
	return p.routes.layers[ssrc]
}

func (p *Peer) routeDown(ssrc uint32, d *DownTrack) { setRoute(&p.routes, p.routes.downs, ssrc, d) }

func (p *Peer) routeLayer(ssrc uint32, l *layer) { setRoute(&p.routes, p.routes.layers, ssrc, l) }

// setRoute maps ssrc to v in m, one of r's maps, or forgets it if v is nil.
func setRoute[V any](r *routes, m map[uint32]*V, ssrc uint32, v *V) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v == nil {
		delete(m, ssrc)
	} else {
		m[ssrc] = v
	}
}

// arrived records the arrival of a packet for transport-wide feedback, if it carries the
// transport-wide sequence number. It runs on the publisher connection's SRTP read goroutine
// for every packet, including those pion consumes itself (the browser's bandwidth probes,
// padding-only retransmissions, the first packets of a simulcast layer): the browser would count
// any packet missing from the feedback as lost, and never raise its estimate.
func (f *pubFeedback) arrived(b []byte) { f.arrivedAt(b, time.Now()) }

func (f *pubFeedback) arrivedAt(b []byte, now time.Time) {
	id := uint8(f.extID.Load())
	if id == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.hdr.Unmarshal(b); err != nil {
		return
	}
	if ext := f.hdr.GetExtension(id); len(ext) == 2 {
		f.rec.Record(f.hdr.SSRC, binary.BigEndian.Uint16(ext), now.Sub(f.start).Microseconds())
		f.held++
	}
}
