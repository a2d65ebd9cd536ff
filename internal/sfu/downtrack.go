package sfu

import (
	"encoding/binary"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Header extensions forwarded from publishers to subscribers (RFC 8285), remapped to the IDs each
// subscriber negotiated. Others (mid, rid, transport-wide sequence numbers, absolute send time)
// describe the publisher's hop and are dropped.
var forwardedExtensions = []string{
	"urn:ietf:params:rtp-hdrext:ssrc-audio-level", // RFC 6464
	"urn:3gpp:video-orientation",
}

// lateWindow is how far behind the newest packet forwarded a packet from before the last drop
// or switch is still recognized as late (and not forwarded): a quarter of the sequence space.
const lateWindow = 1 << 14

// maxExtensionID is the largest one-byte header extension ID (RFC 8285 section 4.2).
const maxExtensionID = 14

// DownTrack sends one published track to one subscriber. It implements webrtc.TrackLocal so that
// pion binds it to the subscriber's connection. It forwards one layer at a time, switches layers
// on keyframes, and rewrites sequence numbers, timestamps and VP8 picture IDs so that the
// subscriber sees one continuous stream across drops (muted, paused) and layer switches.
type DownTrack struct {
	track  *publishedTrack
	id     string
	kind   webrtc.RTPCodecType
	codec  webrtc.RTPCodecCapability
	clock  uint32
	pubExt [maxExtensionID + 1]string // publisher extension ID -> URI
	onBind func()
	twcc   *twccSender   // the subscriber connection's transport-wide sequence and estimator
	out    *directSender // the subscriber connection's send path; nil: pion's
	// listener is the subscribing participant; set before the down track is added to its track.
	listener string

	mu          sync.Mutex // guards the following fields
	blocked     bool       // the subscriber may not receive (moderation, lobby)
	silenced    bool       // audio: not among the loudest this subscriber hears (speakers.go)
	bound       bool
	ssrc        uint32
	payloadType uint8
	writer      webrtc.TrackLocalWriter
	direct      srtpWriter                // the writer when out is not nil
	extMap      [maxExtensionID + 1]uint8 // publisher extension ID -> subscriber ID (0: drop)
	twccID      uint8                     // subscriber's transport-wide sequence number extension ID, 0 if none

	current int // layer being forwarded, noLayer for none
	target  int // layer wanted; switched to on its next keyframe

	// What the subscriber asked for (video): shown or not, and at what size.
	visible       bool
	width, height int

	// Rewriting state.
	started   bool
	dropping  bool
	seqOffset uint16
	lastOut   uint16
	resumeSeq uint16
	tsOffset  uint32
	lastTS    uint32 // last timestamp sent (rewritten)
	lastAt    int64  // unix nanoseconds of the last packet sent
	vp8       vp8Munger
	hdr       rtp.Header                    // the rewritten header, reused for every packet
	exts      [maxExtensionID]rtp.Extension // its extensions
	twccSeq   [2]byte                       // its transport-wide sequence number

	// For sender reports (RFC 3550): packets and payload octets sent.
	packets, octets uint32

	// Retransmission: what was sent, by outgoing sequence number, and scratch space.
	sent   [cacheSize]sentPacket
	rtxBuf [maxRTPPacket]byte
	rtxPkt rtp.Packet
}

var _ webrtc.TrackLocal = (*DownTrack)(nil)

func newDownTrack(t *publishedTrack, tx *twccSender, out *directSender, onBind func()) *DownTrack {
	d := &DownTrack{
		track:   t,
		twcc:    tx,
		out:     out,
		id:      t.id,
		kind:    t.kind,
		codec:   t.codec.RTPCodecCapability,
		clock:   t.codec.ClockRate,
		onBind:  onBind,
		current: noLayer,
		target:  0,
		visible: true,
	}
	if !t.simulcast {
		d.current = 0 // one layer: forward from the first packet
	}
	for _, e := range t.extensions {
		if e.ID >= 1 && e.ID <= maxExtensionID {
			d.pubExt[e.ID] = e.URI
		}
	}
	return d
}

// Bind is called by pion when the subscriber's connection has negotiated this track.
func (d *DownTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codec, ok := matchCodec(d.codec, ctx.CodecParameters())
	if !ok {
		return webrtc.RTPCodecParameters{}, ErrUnsupportedCodec
	}
	d.mu.Lock()
	d.bound = true
	d.ssrc = uint32(ctx.SSRC())
	d.payloadType = uint8(codec.PayloadType)
	d.writer = ctx.WriteStream()
	if d.out != nil {
		d.direct.out, d.direct.fallback = d.out, d.writer
		d.writer = &d.direct
	}
	d.extMap = [maxExtensionID + 1]uint8{}
	d.twccID = 0
	for _, sub := range ctx.HeaderExtensions() {
		if sub.URI == sdp.TransportCCURI && sub.ID >= 1 && sub.ID <= maxExtensionID && d.twcc != nil {
			d.twccID = uint8(sub.ID)
		}
		for pubID, uri := range d.pubExt {
			if uri != "" && uri == sub.URI && isForwarded(uri) && sub.ID >= 1 && sub.ID <= maxExtensionID {
				d.extMap[pubID] = uint8(sub.ID)
			}
		}
	}
	d.started = false
	d.mu.Unlock()
	if d.onBind != nil {
		d.onBind()
	}
	return codec, nil
}

// Unbind is called by pion when the track is removed from the subscriber's connection.
func (d *DownTrack) Unbind(webrtc.TrackLocalContext) error {
	d.mu.Lock()
	d.bound = false
	d.writer = nil
	d.mu.Unlock()
	return nil
}

// ID returns the track id, the same as the published track's.
func (d *DownTrack) ID() string { return d.id }

// RID returns "": a down track carries one layer at a time.
func (d *DownTrack) RID() string { return "" }

// StreamID returns the stream id, equal to the track id so that clients can map a received
// stream to the published track.
func (d *DownTrack) StreamID() string { return d.id }

// Kind returns audio or video.
func (d *DownTrack) Kind() webrtc.RTPCodecType { return d.kind }

// setPreference records how the subscriber shows this video track.
func (d *DownTrack) setPreference(visible bool, w, h int) {
	d.mu.Lock()
	d.visible, d.width, d.height = visible, w, h
	d.mu.Unlock()
}

func (d *DownTrack) preference() (visible bool, w, h int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.visible, d.width, d.height
}

func (d *DownTrack) targetLayer() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.target
}

// setBlocked stops or resumes forwarding to this subscriber.
func (d *DownTrack) setBlocked(b bool) {
	d.mu.Lock()
	d.blocked = b
	d.mu.Unlock()
	if !b {
		d.track.requestKeyframe(d.targetLayer())
	}
}

// waitingKeyframe reports whether the down track waits for a keyframe of its target layer to
// start or switch.
func (d *DownTrack) waitingKeyframe() (target int, waiting bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.target, d.target != noLayer && d.target != d.current
}

// setTarget chooses the layer to forward. noLayer pauses the track for this subscriber at once;
// another layer is switched to on its next keyframe, which is requested.
func (d *DownTrack) setTarget(idx int) {
	d.mu.Lock()
	if idx == d.target && (idx != noLayer || d.current == noLayer) {
		d.mu.Unlock()
		return
	}
	d.target = idx
	if idx == noLayer {
		d.current = noLayer
		d.dropping = true
	}
	needKey := idx != noLayer && idx != d.current
	d.mu.Unlock()
	if needKey {
		d.track.requestKeyframe(idx)
	}
}

// setSilenced says whether this subscriber hears the track (audio selection, speakers.go).
func (d *DownTrack) setSilenced(silenced bool) {
	d.mu.Lock()
	d.silenced = silenced
	d.mu.Unlock()
}

// drop records that a packet of layer idx was not forwarded, so that the next forwarded packet
// continues the subscriber's sequence numbers without a gap.
func (d *DownTrack) drop(idx int) {
	d.mu.Lock()
	if idx == d.current {
		d.dropping = true
	}
	d.mu.Unlock()
}

// writeRTP forwards one packet of layer idx, if that is the layer this subscriber gets. It is
// called from the layers' forwarding goroutines and does not allocate.
func (d *DownTrack) writeRTP(p *rtp.Packet, idx int, vp8 *vp8Descriptor, now int64) (forwarded bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.bound || d.writer == nil || d.blocked || d.silenced {
		if idx == d.current {
			d.dropping = true
		}
		return false, nil
	}
	switched := false
	if idx != d.current {
		if idx != d.target || (d.track.vp8 && !vp8.keyframe) {
			return false, nil
		}
		// The target layer's keyframe: switch to it.
		d.current = idx
		d.dropping = true
		switched = true
	}
	seq := p.SequenceNumber
	switch {
	case !d.started:
		d.started = true
		d.dropping = false
		d.seqOffset = 0
		d.resumeSeq = seq
		d.lastOut = seq - 1
		d.tsOffset = 0
	case d.dropping:
		// Continue right after the last packet sent: the packets we dropped never existed
		// for this subscriber.
		d.dropping = false
		d.seqOffset = seq - d.lastOut - 1
		d.resumeSeq = seq
		if switched {
			// Another layer has its own timestamp base: continue from the last timestamp
			// sent, plus the time elapsed since.
			elapsed := uint32(float64(now-d.lastAt) / 1e9 * float64(d.clock))
			if elapsed == 0 {
				elapsed = 1
			}
			d.tsOffset = p.Timestamp - (d.lastTS + elapsed)
		}
	case int16(seq-d.resumeSeq) < 0:
		// A late packet (retransmission) from before a drop or switch: its slot was reused.
		return false, nil
	}
	out := seq - d.seqOffset
	ts := p.Timestamp - d.tsOffset
	if int16(out-d.lastOut) > 0 {
		d.lastOut = out
		d.lastTS = ts
		d.lastAt = now
		// Keep the resume point within half the sequence space behind: past that, the
		// comparison above would take the stream's own new packets for late ones.
		if int16(seq-d.resumeSeq) > lateWindow {
			d.resumeSeq = seq - lateWindow
		}
	}

	payload := p.Payload
	if d.track.vp8 && vp8.headerSize > 0 {
		if switched {
			d.vp8.reset(*vp8)
		}
		payload = d.vp8.rewrite(payload, *vp8)
	}
	if d.kind == videoKind {
		d.sent[out%cacheSize] = sentPacket{
			valid: true, outSeq: out, pubSeq: seq, layer: int8(idx), ts: ts,
			pidOffset: d.vp8.pidOffset, tl0Offset: d.vp8.tl0Offset,
		}
	}
	if _, err := d.writer.WriteRTP(d.header(&p.Header, out, ts, len(payload), now), payload); err != nil {
		return false, err
	}
	d.packets++
	d.octets += uint32(len(payload))
	return true, nil
}

// senderReport returns an RFC 3550 sender report for this track, once it has sent something.
// The RTP time is the last timestamp sent advanced by the time since, so that the subscriber
// can line this track up with the others of the same publisher (lip sync).
func (d *DownTrack) senderReport(now time.Time) (*rtcp.SenderReport, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.bound || !d.started || d.packets == 0 {
		return nil, false
	}
	elapsed := now.UnixNano() - d.lastAt
	rtpTime := d.lastTS + uint32(float64(elapsed)/1e9*float64(d.clock))
	return &rtcp.SenderReport{
		SSRC: d.ssrc, NTPTime: ntpTime(now), RTPTime: rtpTime,
		PacketCount: d.packets, OctetCount: d.octets,
	}, true
}

// header rewrites src for this subscriber into d.hdr: SSRC, payload type, sequence number,
// timestamp, the forwarded header extensions under the subscriber's IDs, and a new
// transport-wide sequence number, which records the packet (of payloadLen bytes, sent at now)
// for the bandwidth estimate. d.mu must be held.
func (d *DownTrack) header(src *rtp.Header, seq uint16, ts uint32, payloadLen int, now int64) *rtp.Header {
	d.hdr = *src
	h := &d.hdr
	h.SSRC = d.ssrc
	h.PayloadType = d.payloadType
	h.SequenceNumber = seq
	h.Timestamp = ts
	h.Padding = false // padding is the publisher hop's business
	h.PaddingSize = 0
	h.Extension = false
	h.Extensions = d.exts[:0]
	if src.Extension {
		for pubID := uint8(1); pubID <= maxExtensionID; pubID++ {
			if subID := d.extMap[pubID]; subID != 0 {
				if ext := src.GetExtension(pubID); ext != nil {
					_ = h.SetExtension(subID, ext)
				}
			}
		}
	}
	if d.twccID != 0 && d.twcc.sending() {
		// Stamp last: the size recorded includes the extension itself.
		_ = h.SetExtension(d.twccID, d.twccSeq[:])
		binary.BigEndian.PutUint16(d.twccSeq[:], d.twcc.stamp(h.MarshalSize()+payloadLen, now))
	}
	return h
}

// retransmit sends again the packet this subscriber got as outSeq (answering its NACK, RFC 4585)
// from the layer's shared cache. It reports false if the packet is no longer there.
func (d *DownTrack) retransmit(outSeq uint16) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.sent[outSeq%cacheSize]
	if !e.valid || e.outSeq != outSeq || !d.bound || d.writer == nil || d.blocked {
		return false
	}
	l := d.track.layerAt(int(e.layer))
	if l == nil || l.cache == nil {
		return false
	}
	n, ok := l.cache.get(e.pubSeq, d.rtxBuf[:])
	if !ok || d.rtxPkt.Unmarshal(d.rtxBuf[:n]) != nil {
		return false
	}
	payload := d.rtxPkt.Payload
	if d.track.vp8 {
		if desc, ok := parseVP8(payload); ok && desc.headerSize > 0 {
			// The payload lives in rtxBuf; rewrite it in place through the munger's buffer.
			payload, _, _ = applyVP8Offsets(d.vp8.buf[:], payload, desc, e.pidOffset, e.tl0Offset)
		}
	}
	_, err := d.writer.WriteRTP(d.header(&d.rtxPkt.Header, outSeq, e.ts, len(payload), time.Now().UnixNano()), payload)
	return err == nil
}

func isForwarded(uri string) bool {
	for _, u := range forwardedExtensions {
		if u == uri {
			return true
		}
	}
	return false
}

// matchCodec finds the subscriber's payload type for the publisher's codec: same MIME type, and
// the same format parameters when the subscriber offers several variants.
func matchCodec(want webrtc.RTPCodecCapability, have []webrtc.RTPCodecParameters) (webrtc.RTPCodecParameters, bool) {
	var fallback *webrtc.RTPCodecParameters
	for i := range have {
		c := &have[i]
		if !strings.EqualFold(c.MimeType, want.MimeType) {
			continue
		}
		if c.SDPFmtpLine == want.SDPFmtpLine {
			return *c, true
		}
		if fallback == nil {
			fallback = c
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return webrtc.RTPCodecParameters{}, false
}
